package dev.trpo.connectors.env;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.trpo.policy.ActionSpace;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every edge case the golden README lists, for all five environments. Expected values come from
 * {@code src/test/python/classic_control_reference.py}, a transcription of Gymnasium 0.29.1's step functions
 * in the same operation order (run it to regenerate them).
 */
class ClassicControlEdgeCaseTest {

    /** The reference uses CPython's libm sin/cos, the JVM its own: they may differ by an ulp, nothing more. */
    static final double LIBM_TOLERANCE = 1e-12;
    /** Observations are float32: an ulp of a float32 near 1 is 1.2e-7; agreement must be to the bit or one ulp. */
    static final double FLOAT32_TOLERANCE = 1e-6;

    /** Sets {@code state}, takes one step with {@code action}, and returns the outcome. */
    static StepResult stepFrom(Environment env, double[] state, double... action) {
        env.setState(state, new double[env.observationSize()]);
        StepResult out = new StepResult(env.observationSize());
        env.step(action, out);
        return out;
    }

    static double[] stateOf(Environment env) {
        double[] s = new double[env.stateSize()];
        env.state(s);
        return s;
    }

    @Test
    void theRegistryListsTheFiveBuiltInsWithGymnasiumsSpacesAndTimeLimits() {
        assertEquals(java.util.List.of("CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1",
                "MountainCarContinuous-v0"), Environments.ids().subList(0, 5));
        assertSpec("CartPole-v1", 4, new ActionSpace.Discrete(2), 500);
        assertSpec("Acrobot-v1", 6, new ActionSpace.Discrete(3), 500);
        assertSpec("MountainCar-v0", 2, new ActionSpace.Discrete(3), 200);
        assertSpec("Pendulum-v1", 3, new ActionSpace.Box(new double[] {-2}, new double[] {2}), 200);
        assertSpec("MountainCarContinuous-v0", 2, new ActionSpace.Box(new double[] {-1}, new double[] {1}), 999);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Environments.create("Nope-v0"));
        assertTrue(e.getMessage().contains("CartPole-v1"), e.getMessage());
    }

    static void assertSpec(String id, int obsSize, ActionSpace space, int limit) {
        Environment env = Environments.create(id);
        assertEquals(id, env.id());
        assertEquals(obsSize, env.observationSize());
        assertEquals(space, env.actionSpace());
        assertEquals(limit, env.maxEpisodeSteps());
    }

    @Test
    void aDiscreteActionOutsideTheSpaceIsRejectedNamingTheEnvironment() {
        Environment env = Environments.create("MountainCar-v0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> stepFrom(env, new double[] {-0.5, 0}, 3));
        assertTrue(e.getMessage().startsWith("MountainCar-v0"), e.getMessage());
    }

    @Test
    void theSameSeedGivesTheSameInitialStateAndDifferentSeedsDiffer() {
        for (Environment env : Environments.createAll()) {
            double[] a = new double[env.observationSize()];
            double[] b = new double[env.observationSize()];
            double[] c = new double[env.observationSize()];
            env.reset(7L, a);
            env.reset(7L, b);
            env.reset(8L, c);
            assertArrayEquals(a, b, env.id());
            assertFalse(java.util.Arrays.equals(a, c), env.id());
        }
    }

    @Nested
    class CartPoleEdges {

        @Test
        void explicitEulerAdvancesPositionAndAngleWithTheOldVelocities() {
            Environment env = new CartPole();
            StepResult out = stepFrom(env, new double[] {0.1, 0.5, 0.02, -0.3}, 1);
            double[] s = stateOf(env);
            assertEquals(0.1 + 0.02 * 0.5, s[0], 0.0);
            assertEquals(0.02 + 0.02 * -0.3, s[2], 0.0);
            assertEquals(1.0, out.reward);
        }

        @Test
        void terminationIsCheckedOnTheNewStateAndTheTerminatingStepStillPaysOne() {
            Environment env = new CartPole();
            // x = 2.39 is inside the threshold; x_dot = 1 carries it to 2.41 > 2.4 in this step
            StepResult out = stepFrom(env, new double[] {2.39, 1.0, 0.0, 0.0}, 1);
            assertTrue(out.terminated);
            assertEquals(1.0, out.reward);
            env.step(new double[] {1}, out);
            assertEquals(0.0, out.reward, "a step past termination pays 0, as Gymnasium does");
        }

        @Test
        void theAngleThresholdIsTwelveDegrees() {
            Environment env = new CartPole();
            double limit = 12 * 2 * Math.PI / 360;
            assertFalse(stepFrom(env, new double[] {0, 0, limit, 0}, 1).terminated);
            assertTrue(stepFrom(env, new double[] {0, 0, limit + 1e-6, 0}, 1).terminated);
            assertTrue(stepFrom(env, new double[] {0, 0, -limit - 1e-6, 0}, 0).terminated);
        }

        @Test
        void theTimeLimitTruncatesTheFiveHundredthStepAndNotBefore() {
            // a balancing feedback rule on the observation keeps the pole up for the whole episode
            assertTruncatesExactlyAtTheLimit(new CartPole(), new double[] {0, 0, 0, 0},
                    o -> o[2] + 0.5 * o[3] + 0.05 * o[0] + 0.1 * o[1] > 0 ? 1 : 0);
        }

        @Test
        void theInitialStateIsUniformInPlusMinusFivePercentAndTheObservationIsItsFloat32() {
            Environment env = new CartPole();
            double[] obs = new double[4];
            SplittableRandom rng = new SplittableRandom(3);
            for (int i = 0; i < 1000; i++) {
                env.reset(rng, obs);
                double[] s = stateOf(env);
                for (int j = 0; j < 4; j++) {
                    assertTrue(s[j] >= -0.05 && s[j] < 0.05);
                    assertEquals((float) s[j], obs[j], 0.0);
                }
            }
        }
    }

    @Nested
    class PendulumEdges {

        @Test
        void theCostNormalisesTheAngleWithAFloorModNotJavasRemainder() {
            Environment env = new Pendulum();
            StepResult out = stepFrom(env, new double[] {-4.0, 0.0}, 0.0);
            assertEquals(-5.212935146920741, out.reward, LIBM_TOLERANCE);
            assertArrayEquals(new double[] {-3.9716199064259525, 0.5676018714809462}, stateOf(env), LIBM_TOLERANCE);
            assertEquals(Math.PI - 1e-9, Pendulum.angleNormalize(-Math.PI - 1e-9) + 0.0, 1e-15);
        }

        @Test
        void theTorqueIsClippedToTwoInBothTheDynamicsAndTheCost() {
            Environment env = new Pendulum();
            StepResult out = stepFrom(env, new double[] {1.0, 0.5}, 5.0);
            assertEquals(-1.029, out.reward, LIBM_TOLERANCE);
            assertArrayEquals(new double[] {1.071555161930296, 1.4311032386059224}, stateOf(env), LIBM_TOLERANCE);
        }

        @Test
        void theSpeedIsClippedBeforeTheAngleAdvancesAndTheAngleIsNeverWrapped() {
            Environment env = new Pendulum();
            StepResult out = stepFrom(env, new double[] {Math.PI / 2, 7.9}, 2.0);
            assertArrayEquals(new double[] {1.9707963267948965, 8.0}, stateOf(env), LIBM_TOLERANCE);
            assertEquals(-8.71240110027234, out.reward, LIBM_TOLERANCE);
            stepFrom(env, new double[] {3.1, 8.0}, 2.0);
            assertTrue(stateOf(env)[0] > Math.PI, "the state angle stays unwrapped");
        }

        @Test
        void theObservationIsCosSinSpeedInFloat32() {
            Environment env = new Pendulum();
            double[] obs = new double[3];
            env.setState(new double[] {0.7, -1.3}, obs);
            assertArrayEquals(new double[] {(float) Math.cos(0.7), (float) Math.sin(0.7), (float) -1.3}, obs, 0.0);
        }

        @Test
        void itNeverTerminatesAndTruncatesTheTwoHundredthStep() {
            assertTruncatesExactlyAtTheLimit(new Pendulum(), new double[] {0.5, 0.0}, o -> 2.5);
        }
    }

    @Nested
    class AcrobotEdges {

        @Test
        void oneRk4StepOfTheBookDynamicsFromRestMatchesGymnasium() {
            Environment env = new Acrobot();
            StepResult out = stepFrom(env, new double[] {0, 0, 0, 0}, 2);
            assertArrayEquals(new double[] {-0.013262967177227795, 0.03428722934738544, -0.12866185280996106,
                    0.33450108998660194}, stateOf(env), LIBM_TOLERANCE);
            assertArrayEquals(new double[] {0.9999120235443115, -0.013262578286230564, 0.9994122385978699,
                    0.03428051248192787, -0.1286618560552597, 0.33450108766555786}, out.observation, FLOAT32_TOLERANCE);
            assertEquals(-1.0, out.reward);
            assertFalse(out.terminated);
        }

        @Test
        void theDerivativeIncludesTheBookTermInDtheta1Squared() {
            double[] d = new double[4];
            Acrobot.dsdt(new double[] {0.3, -1.2, 2.5, -3.0}, 1.0, d);
            assertArrayEquals(new double[] {2.5, -3.0, -2.9608212969171075, 9.590711120197946}, d, LIBM_TOLERANCE);

            Environment env = new Acrobot();
            stepFrom(env, new double[] {0.3, -1.2, 2.5, -3.0}, 0);
            assertArrayEquals(new double[] {0.746864812580244, -1.6546774520853682, 1.9021556250332399,
                    -1.5225978894222607}, stateOf(env), LIBM_TOLERANCE);
        }

        @Test
        void anglesAreWrappedToPlusMinusPiAfterIntegration() {
            Environment env = new Acrobot();
            stepFrom(env, new double[] {3.1, 0.0, 2.0, 0.0}, 1); // theta1 integrates to 3.51 > pi
            assertEquals(-2.7719362846676403, stateOf(env)[0], LIBM_TOLERANCE);
            stepFrom(env, new double[] {0.0, -3.1, 0.0, -2.0}, 1); // theta2 integrates to -3.51 < -pi
            assertEquals(2.776004269215277, stateOf(env)[1], LIBM_TOLERANCE);
        }

        @Test
        void speedsAreBoundedToFourPiAndNinePiAfterIntegration() {
            Environment env = new Acrobot();
            StepResult out = stepFrom(env, new double[] {2.0, 0.0, 12.5, 0.0}, 2); // dtheta1 integrates to 12.70
            assertArrayEquals(new double[] {-1.8065708933754134, 0.0051769063632271335, 4 * Math.PI,
                    -0.36261677714144963}, stateOf(env), LIBM_TOLERANCE);
            assertEquals(12.566370964050293, out.observation[4], 0.0);
            stepFrom(env, new double[] {0.0, 0.0, 0.0, -28.2}, 0); // dtheta2 integrates to -33.46
            assertArrayEquals(new double[] {-0.8367261738621901, 1.187454483404613, -0.4702325051242819,
                    -9 * Math.PI}, stateOf(env), LIBM_TOLERANCE);
        }

        @Test
        void theTerminatingStepPaysZeroAndOthersMinusOne() {
            Environment env = new Acrobot();
            StepResult out = stepFrom(env, new double[] {3.0, 0.0, 0.0, 0.0}, 1);
            assertTrue(out.terminated);
            assertEquals(0.0, out.reward);
            assertArrayEquals(new double[] {2.982057837208604, 0.01400267051831374, -0.18343726539567606,
                    0.14511760679397961}, stateOf(env), LIBM_TOLERANCE);
        }

        @Test
        void theInitialStateIsUniformInPlusMinusPointOneRoundedToFloat32() {
            Environment env = new Acrobot();
            double[] obs = new double[6];
            SplittableRandom rng = new SplittableRandom(5);
            for (int i = 0; i < 1000; i++) {
                env.reset(rng, obs);
                for (double v : stateOf(env)) {
                    assertTrue(v >= -0.1 && v <= 0.1);
                    assertEquals((float) v, v, 0.0);
                }
            }
        }

        @Test
        void theTimeLimitTruncatesTheFiveHundredthStep() {
            // hanging down with no torque stays far from the goal height
            assertTruncatesExactlyAtTheLimit(new Acrobot(), new double[] {0, 0, 0, 0}, o -> 1);
        }
    }

    @Nested
    class MountainCarEdges {

        @Test
        void theSpeedIsClippedToPointZeroSevenBeforeThePositionUpdate() {
            Environment env = new MountainCar();
            StepResult out = stepFrom(env, new double[] {-0.9, 0.069}, 2);
            assertArrayEquals(new double[] {-0.8300000000000001, 0.07}, stateOf(env), 0.0);
            assertEquals(-1.0, out.reward);
        }

        @Test
        void aNegativeSpeedBecomesZeroAtTheLeftWall() {
            Environment env = new MountainCar();
            stepFrom(env, new double[] {-1.19, -0.05}, 0);
            assertArrayEquals(new double[] {-1.2, 0.0}, stateOf(env), 0.0);
        }

        @Test
        void theGoalIsPositionPointFiveWithNonNegativeSpeedAndStillPaysMinusOne() {
            Environment env = new MountainCar();
            StepResult out = stepFrom(env, new double[] {0.49, 0.02}, 1);
            assertArrayEquals(new double[] {0.5097484356665327, 0.01974843566653267}, stateOf(env), LIBM_TOLERANCE);
            assertTrue(out.terminated);
            assertEquals(-1.0, out.reward);

            out = stepFrom(env, new double[] {0.55, -0.001}, 0); // past the goal but rolling back
            assertArrayEquals(new double[] {0.5481978022220169, -0.0018021977779831648}, stateOf(env), LIBM_TOLERANCE);
            assertFalse(out.terminated);
        }

        @Test
        void theInitialPositionIsUniformInTheValleyAtRest() {
            Environment env = new MountainCar();
            double[] obs = new double[2];
            SplittableRandom rng = new SplittableRandom(9);
            for (int i = 0; i < 1000; i++) {
                env.reset(rng, obs);
                double[] s = stateOf(env);
                assertTrue(s[0] >= -0.6 && s[0] < -0.4);
                assertEquals(0.0, s[1]);
            }
        }

        @Test
        void theTimeLimitTruncatesTheTwoHundredthStep() {
            assertTruncatesExactlyAtTheLimit(new MountainCar(), new double[] {-0.5, 0.0}, o -> 1);
        }
    }

    @Nested
    class MountainCarContinuousEdges {

        @Test
        void theForceIsClippedButTheRewardUsesTheUnclippedAction() {
            Environment env = new MountainCarContinuous();
            StepResult clipped = stepFrom(env, new double[] {-0.5, 0.01}, 3.0);
            double[] afterThree = stateOf(env);
            StepResult one = stepFrom(env, new double[] {-0.5, 0.01}, 1.0);
            assertArrayEquals(afterThree, stateOf(env), 0.0);
            assertArrayEquals(new double[] {-0.48867684602737427, 0.011323156766593456}, afterThree, LIBM_TOLERANCE);
            assertEquals(-0.9, clipped.reward, 1e-15);
            assertEquals(-0.1, one.reward, 1e-15);
        }

        @Test
        void reachingPointFortyFivePaysOneHundredMinusTheActionCost() {
            Environment env = new MountainCarContinuous();
            StepResult out = stepFrom(env, new double[] {0.44, 0.02}, -0.5);
            assertTrue(out.terminated);
            assertEquals(99.975, out.reward, 1e-12);
            assertArrayEquals(new double[] {0.4586295485496521, 0.018629562109708786}, stateOf(env), 0.0);
        }

        @Test
        void theStateIsRoundedToFloat32AfterEveryStepButNotAfterTheReset() {
            Environment env = new MountainCarContinuous();
            double[] obs = new double[2];
            env.reset(11L, obs);
            double[] start = stateOf(env);
            assertTrue(start[0] != (float) start[0], "the reset position keeps double precision");

            StepResult out = stepFrom(env, new double[] {-0.52, 0.0}, 0.3);
            assertArrayEquals(new double[] {-0.5195769667625427, 0.0004230097110848874}, stateOf(env), 0.0);
            assertEquals(-0.009, out.reward, 1e-15);
            env.step(new double[] {-0.7}, out);
            assertArrayEquals(new double[] {-0.5202341079711914, -0.0006571531412191689}, stateOf(env), 0.0);
            assertEquals(-0.048999999999999995, out.reward, 1e-15);
            for (double v : stateOf(env)) {
                assertEquals((float) v, v, 0.0);
            }
        }

        @Test
        void theLeftWallAndTheSpeedLimitHoldAsInMountainCar() {
            Environment env = new MountainCarContinuous();
            StepResult out = stepFrom(env, new double[] {-1.19, -0.05}, -2.0);
            assertArrayEquals(new double[] {-1.2000000476837158, 0.0}, stateOf(env), 0.0);
            assertEquals(-0.4, out.reward, 1e-15);
            stepFrom(env, new double[] {-0.9, 0.069}, 1.0);
            assertArrayEquals(new double[] {-0.8299999833106995, 0.07000000029802322}, stateOf(env), 0.0);
        }

        @Test
        void theTimeLimitIsNineHundredNinetyNine() {
            assertTruncatesExactlyAtTheLimit(new MountainCarContinuous(), new double[] {-0.5, 0.0}, o -> 0.0);
        }
    }

    /** Steps with an action rule on the observation from {@code state}: no step before the limit is truncated, the last one is. */
    static void assertTruncatesExactlyAtTheLimit(Environment env, double[] state,
                                                 java.util.function.ToDoubleFunction<double[]> action) {
        StepResult out = new StepResult(env.observationSize());
        env.setState(state, out.observation);
        double[] a = new double[env.actionSpace().actionDim()];
        for (int t = 0; t < env.maxEpisodeSteps(); t++) {
            a[0] = action.applyAsDouble(out.observation);
            env.step(a, out);
            assertFalse(out.terminated, env.id() + " terminated at step " + t);
            assertEquals(t + 1 == env.maxEpisodeSteps(), out.truncated, env.id() + " step " + t);
        }
    }
}
