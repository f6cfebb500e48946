package dev.trpo.connectors.env;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import dev.trpo.policy.ActionSpace;

/**
 * An environment that runs in a child process, in any language, behind one JSON object per line on its standard
 * input and output: the id {@code process:<command> [args...]} (split on white space) starts the command, e.g.
 * {@code process:python3 connectors/python/cartpole.py}. Its standard error goes to this JVM's log.
 *
 * <p>The protocol (see connectors/README.md and {@code connectors/python/trpo_env.py}, which serves any
 * Gymnasium-style environment):
 * <ol>
 *   <li>the process first writes its spec (lines before it that do not start with '{', such as a simulator's
 *       banner, are logged and skipped): {@code {"observation_size": 4, "action": {"discrete": 2},
 *       "max_episode_steps": 500}} or, for continuous actions, {@code "action": {"low": [-2.0], "high": [2.0]}};</li>
 *   <li>{@code {"reset": SEED}} (a non-negative 63-bit seed drawn from the actor's generator) is answered with
 *       {@code {"observation": [...]}};</li>
 *   <li>{@code {"step": 1}} (a discrete action) or {@code {"step": [0.5]}} is answered with
 *       {@code {"observation": [...], "reward": R, "terminated": false, "truncated": false}}, optionally with
 *       {@code "success": true} (or false) when the task says whether it was achieved;</li>
 *   <li>end of input (this environment closed, or the JVM gone) means exit.</li>
 * </ol>
 * The time limit is enforced here as Gymnasium's {@code TimeLimit} does: {@code truncated} is set on the step whose
 * count since the reset reaches {@code max_episode_steps}, whatever the process says. A reset or step that gets no
 * answer within {@code "timeout_seconds"} of the spec (300 unless given) kills the process and fails with a
 * message, rather than stalling the actors. Non-finite numbers are
 * accepted on the wire (Python writes {@code NaN}) and left to the stream processors to dead-letter. The raw state
 * is the process's own, so {@link #stateSize()} is 0 and {@link #setState} is refused. Not thread-safe; one process
 * per instance, ended by {@link #close()}.
 */
public final class ProcessEnvironment implements Environment {

    /** The id prefix that names a command instead of a registered environment. */
    public static final String PREFIX = "process:";
    /**
     * Environment variable that names the instance a process serves: an actor's id ({@code <actor-id-prefix>-<index>},
     * unique over a fleet of connectors whose prefixes differ), {@code eval-<index>} for an evaluation's, or
     * {@code instance-<index>}. A bridge to a fleet of robots or simulator servers picks its own by it.
     */
    public static final String INSTANCE_VARIABLE = "TRPO_ENV_INSTANCE";
    /** Environment variable with the instance's index among those started together (0, 1, ...). */
    public static final String INDEX_VARIABLE = "TRPO_ENV_INDEX";

    private static final Logger LOG = LoggerFactory.getLogger(ProcessEnvironment.class);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(
            Long.getLong("trpo.process-env.handshake-seconds", 60));
    private static final int STDERR_LINES_KEPT = 20;
    /** How long a reset or step may take unless the spec says ({@code "timeout_seconds"}). */
    static final double DEFAULT_TIMEOUT_SECONDS = 300;
    /** The environments waiting for an answer are looked at this often by {@link #WATCHDOG}. */
    private static final long WATCH_EVERY_MS = 200;
    private static final Set<ProcessEnvironment> LIVE = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "trpo-process-env-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.scheduleWithFixedDelay(ProcessEnvironment::watch, WATCH_EVERY_MS, WATCH_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    private final String id;
    private final List<String> command;
    private final Process process;
    private final BufferedWriter toProcess;
    private final BufferedReader fromProcess;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Thread stderrPump;
    private final int observationSize;
    private final ActionSpace actionSpace;
    private final int maxEpisodeSteps;
    private final long timeoutNanos;
    /** System.nanoTime() | 1 when a request was sent and its answer is awaited, else 0. */
    private volatile long waitingSince;
    private volatile boolean killedForTimeout;
    private final StringBuilder line = new StringBuilder(256);
    /** The request sent and not yet answered ("step" or "reset"), or null. */
    private String pending;
    /** The last line before the spec that was not one (guarded by itself). */
    private final StringBuilder preamble = new StringBuilder();
    private int elapsedSteps;
    private boolean closed;

    /**
     * The file name of the program a process id runs: its first argument that looks like a path (a script given to
     * an interpreter), else the command itself. {@code process:python3 /sims/arm.py --fast} gives {@code arm.py},
     * {@code process:/usr/bin/my-sim} gives {@code my-sim}.
     *
     * @param id a {@code process:} id
     */
    public static String programName(String id) {
        String[] words = id.substring(PREFIX.length()).strip().split("\\s+");
        String program = words[0];
        for (int i = 1; i < words.length; i++) {
            if (!words[i].startsWith("-") && (words[i].contains("/") || words[i].contains("."))) {
                program = words[i];
                break;
            }
        }
        int slash = program.lastIndexOf('/');
        return slash < 0 ? program : program.substring(slash + 1);
    }

    /** @return true when {@code id} names a command ({@code process:...}) rather than a registered environment */
    public static boolean isProcessId(String id) {
        return id != null && id.startsWith(PREFIX);
    }

    /**
     * Starts the command of {@code id} and reads its spec.
     *
     * @param id {@code process:<command> [args...]}
     * @throws IllegalArgumentException naming the command when it cannot start, exits, or writes no valid spec
     */
    public ProcessEnvironment(String id) {
        this(id, "instance-0", 0);
    }

    /**
     * Starts the command of {@code id} for the instance {@code instance}, the {@code index}-th of those started
     * together, which the process finds in {@value #INSTANCE_VARIABLE} and {@value #INDEX_VARIABLE}.
     *
     * @throws IllegalArgumentException naming the command when it cannot start, exits, or writes no valid spec
     */
    public ProcessEnvironment(String id, String instance, int index) {
        if (!isProcessId(id) || id.substring(PREFIX.length()).isBlank()) {
            throw new IllegalArgumentException("'" + id + "' names no command: use " + PREFIX + "<command> [args...],"
                    + " e.g. " + PREFIX + "python3 connectors/python/cartpole.py");
        }
        this.id = id;
        this.command = List.of(id.substring(PREFIX.length()).strip().split("\\s+"));
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put(INSTANCE_VARIABLE, instance);
            builder.environment().put(INDEX_VARIABLE, String.valueOf(index));
            this.process = builder.start();
        } catch (IOException e) {
            throw new IllegalArgumentException("environment " + id + ": cannot start " + command.get(0) + " ("
                    + e.getMessage() + "); check the command and that it is executable here", e);
        }
        this.toProcess = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.fromProcess = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.stderrPump = new Thread(this::pumpStderr, "trpo-process-env-stderr-" + process.pid());
        stderrPump.setDaemon(true);
        stderrPump.start();
        JsonNode spec;
        try {
            spec = handshake();
            this.observationSize = positiveInt(spec, "observation_size");
            this.maxEpisodeSteps = positiveInt(spec, "max_episode_steps");
            this.actionSpace = actionSpace(spec.get("action"));
            this.timeoutNanos = timeout(spec.get("timeout_seconds"));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LIVE.add(this);
        LOG.debug("process environment started id={} instance={} pid={} observation_size={} action={} max_episode_steps={}",
                id, instance, process.pid(), observationSize, actionSpace, maxEpisodeSteps);
    }

    /**
     * Reads up to the spec line: the first line that starts with '{'. Lines before it are logged and skipped, since
     * simulators print banners on standard output when they load (PyBullet's build time, pygame's greeting) before
     * a script can reach {@code serve()}.
     */
    private JsonNode handshake() {
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                String l;
                while ((l = fromProcess.readLine()) != null && !l.stripLeading().startsWith("{")) {
                    LOG.info("environment {} before its spec: {}", id, abbreviate(l));
                    synchronized (preamble) {
                        preamble.setLength(0);
                        preamble.append(l);
                    }
                }
                return l;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, ProcessEnvironment::ownThread);
        String spec;
        try {
            spec = first.get(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalArgumentException("environment " + id + " wrote no spec line within "
                    + HANDSHAKE_TIMEOUT.toSeconds() + " s: it must first print one JSON line such as"
                    + " {\"observation_size\": 4, \"action\": {\"discrete\": 2}, \"max_episode_steps\": 500}"
                    + preambleHint() + stderrHint());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + id, e);
        } catch (ExecutionException e) {
            throw new IllegalArgumentException("environment " + id + ": cannot read its output (" + e.getCause() + ")");
        }
        if (spec == null) {
            throw new IllegalArgumentException("environment " + id + " exited before writing its spec" + preambleHint()
                    + exitHint());
        }
        JsonNode node;
        try {
            node = parse(spec, "its spec");
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (!node.isObject()) {
            throw badSpec("the spec must be a JSON object, got: " + abbreviate(spec));
        }
        return node;
    }

    private int positiveInt(JsonNode spec, String field) {
        JsonNode v = spec.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw badSpec("\"" + field + "\" must be a positive integer, got " + v);
        }
        return v.intValue();
    }

    private long timeout(JsonNode seconds) {
        if (seconds == null) {
            return (long) (DEFAULT_TIMEOUT_SECONDS * 1e9);
        }
        if (!seconds.isNumber() || !(seconds.doubleValue() > 0) || seconds.doubleValue() > 1e6) {
            throw badSpec("\"timeout_seconds\" must be a number of seconds above 0 (and at most 1e6), got " + seconds);
        }
        return (long) (seconds.doubleValue() * 1e9);
    }

    /** Kills the process of every environment that has waited longer than its timeout for an answer. */
    private static void watch() {
        long now = System.nanoTime();
        for (ProcessEnvironment env : LIVE) {
            long since = env.waitingSince;
            if (since != 0 && now - since > env.timeoutNanos && !env.killedForTimeout) {
                env.killedForTimeout = true;
                LOG.warn("environment {} has not answered for {} s: killing pid {}", env.id, env.timeoutNanos / 1e9,
                        env.process.pid());
                env.process.destroyForcibly();
            }
        }
    }

    private ActionSpace actionSpace(JsonNode action) {
        if (action == null || !action.isObject()) {
            throw badSpec("\"action\" must be {\"discrete\": N} or {\"low\": [...], \"high\": [...]}, got " + action);
        }
        if (action.has("discrete")) {
            JsonNode n = action.get("discrete");
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 2) {
                throw badSpec("\"action\": {\"discrete\": N} needs an integer N >= 2, got " + n);
            }
            return new ActionSpace.Discrete(n.intValue());
        }
        double[] low = numbers(action.get("low"), "action.low");
        double[] high = numbers(action.get("high"), "action.high");
        try {
            return new ActionSpace.Box(low, high);
        } catch (IllegalArgumentException e) {
            throw badSpec("\"action\": " + e.getMessage());
        }
    }

    private double[] numbers(JsonNode array, String field) {
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw badSpec("\"" + field + "\" must be a non-empty array of numbers, got " + array);
        }
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).isNumber()) {
                throw badSpec("\"" + field + "\"[" + i + "] must be a number, got " + array.get(i));
            }
            out[i] = array.get(i).doubleValue();
        }
        return out;
    }

    private IllegalArgumentException badSpec(String what) {
        return new IllegalArgumentException("environment " + id + ": bad spec line: " + what);
    }

    @Override public String id() { return id; }
    @Override public int observationSize() { return observationSize; }
    @Override public ActionSpace actionSpace() { return actionSpace; }
    @Override public int maxEpisodeSteps() { return maxEpisodeSteps; }
    @Override public int stateSize() { return 0; }

    @Override
    public void reset(RandomGenerator rng, double[] obsOut) {
        startReset(rng, obsOut);
        finishReset(obsOut);
    }

    @Override
    public void startReset(RandomGenerator rng, double[] obsOut) {
        long seed = rng.nextLong() >>> 1;
        line.setLength(0);
        line.append("{\"reset\":").append(seed).append('}');
        send("reset");
    }

    @Override
    public void finishReset(double[] obsOut) {
        JsonNode answer = receive("reset");
        observation(answer, obsOut, "reset");
        elapsedSteps = 0;
    }

    @Override
    public void step(double[] actions, int offset, StepResult out) {
        startStep(actions, offset, out);
        finishStep(out);
    }

    /** Writes the step request; the process computes it while the caller starts its other environments. */
    @Override
    public void startStep(double[] actions, int offset, StepResult out) {
        line.setLength(0);
        line.append("{\"step\":");
        if (actionSpace instanceof ActionSpace.Discrete d) {
            line.append(DiscreteActions.index(actions[offset], d.n(), id));
        } else {
            line.append('[');
            for (int i = 0; i < actionSpace.actionDim(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                double a = actions[offset + i];
                line.append(Double.isFinite(a) ? Double.toString(a) : "NaN");
            }
            line.append(']');
        }
        line.append('}');
        send("step");
    }

    @Override
    public void finishStep(StepResult out) {
        JsonNode answer = receive("step");
        observation(answer, out.observation, "step");
        JsonNode reward = answer.get("reward");
        if (reward == null || !reward.isNumber()) {
            throw protocol("step", "\"reward\" must be a number, got " + reward);
        }
        out.reward = reward.doubleValue();
        out.terminated = flag(answer, "terminated");
        elapsedSteps++;
        out.truncated = flag(answer, "truncated") || elapsedSteps >= maxEpisodeSteps;
        JsonNode success = answer.get("success");
        if (success != null && !success.isNull() && !success.isBoolean()) {
            throw protocol("step", "\"success\" must be true or false when given, got " + success);
        }
        out.success = success == null || success.isNull() ? null : success.booleanValue();
    }

    private boolean flag(JsonNode answer, String field) {
        JsonNode v = answer.get(field);
        if (v == null || !v.isBoolean()) {
            throw protocol("step", "\"" + field + "\" must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    private void observation(JsonNode answer, double[] out, String what) {
        JsonNode obs = answer.get("observation");
        if (obs == null || !obs.isArray() || obs.size() != observationSize) {
            throw protocol(what, "\"observation\" must be an array of " + observationSize + " numbers, got "
                    + abbreviate(String.valueOf(obs)));
        }
        for (int i = 0; i < observationSize; i++) {
            JsonNode v = obs.get(i);
            if (!v.isNumber()) {
                throw protocol(what, "\"observation\"[" + i + "] must be a number, got " + v);
            }
            out[i] = v.doubleValue();
        }
    }

    /** Sends the request in {@link #line}; the watchdog's clock for its answer starts here. */
    private void send(String what) {
        if (closed) {
            throw new IllegalStateException("environment " + id + " is closed");
        }
        if (pending != null) {
            throw new IllegalStateException("environment " + id + ": " + what + " started before the " + pending
                    + " was finished");
        }
        waitingSince = System.nanoTime() | 1;
        pending = what;
        try {
            toProcess.append(line).append('\n');
            toProcess.flush();
        } catch (IOException e) {
            waitingSince = 0;
            pending = null;
            throw stoppedAnswering(what, e);
        }
    }

    /** Reads the answer to the request {@link #send} wrote. */
    private JsonNode receive(String what) {
        if (!what.equals(pending)) {
            throw new IllegalStateException("environment " + id + ": no " + what + " was started");
        }
        String answer;
        try {
            answer = fromProcess.readLine();
        } catch (IOException e) {
            throw stoppedAnswering(what, e);
        } finally {
            waitingSince = 0;
            pending = null;
        }
        if (answer == null && killedForTimeout) {
            throw timedOut(what);
        }
        if (answer == null) {
            throw new EnvironmentFailure("environment " + id + " exited during " + what + exitHint());
        }
        JsonNode node = parse(answer, "its answer to " + what);
        if (!node.isObject()) {
            throw protocol(what, "the answer must be a JSON object, got: " + abbreviate(answer));
        }
        return node;
    }

    private RuntimeException stoppedAnswering(String what, IOException e) {
        if (killedForTimeout) {
            return timedOut(what);
        }
        return new EnvironmentFailure("environment " + id + ": the process stopped answering (" + e.getMessage() + ")"
                + exitHint(), e);
    }

    private EnvironmentFailure timedOut(String what) {
        return new EnvironmentFailure("environment " + id + " did not answer " + what + " within " + timeoutNanos / 1e9
                + " s and was killed (a slower simulator or robot declares \"timeout_seconds\" in its spec line)"
                + stderrHint());
    }

    private JsonNode parse(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new EnvironmentFailure("environment " + id + ": " + what + " is not JSON: " + abbreviate(text)
                    + " (only protocol lines may go to standard output; print anything else to standard error)");
        }
    }

    private EnvironmentFailure protocol(String what, String problem) {
        return new EnvironmentFailure("environment " + id + ": bad answer to " + what + ": " + problem);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /**
     * Runs a blocking read on a thread of its own, not the common pool's: on 2 cores that pool has one thread, and
     * several processes starting together must each be read while the others are still loading.
     */
    private static void ownThread(Runnable read) {
        Thread t = new Thread(read, "trpo-env-handshake");
        t.setDaemon(true);
        t.start();
    }

    /** The last line the process wrote before its spec, if any, and where such output belongs. */
    private String preambleHint() {
        synchronized (preamble) {
            return preamble.isEmpty() ? "" : "; the last line it wrote instead was \"" + abbreviate(preamble.toString())
                    + "\" (anything but the protocol belongs on standard error)";
        }
    }

    /** " (exit status N; its last standard-error lines: ...)" once the process has ended, else the stderr hint. */
    private String exitHint() {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                stderrPump.join(1000); // its last lines, written just before the exit
                return " (exit status " + process.exitValue() + ")" + stderrHint();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return stderrHint();
    }

    private String stderrHint() {
        List<String> tail;
        synchronized (stderrTail) {
            tail = new ArrayList<>(stderrTail);
        }
        return tail.isEmpty() ? "" : "; its last standard-error lines: " + String.join(" | ", tail);
    }

    private void pumpStderr() {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String l;
            while ((l = err.readLine()) != null) {
                LOG.info("[{} pid {}] {}", programName(id), process.pid(), l); // train.log, not the console
                synchronized (stderrTail) {
                    stderrTail.addLast(l);
                    if (stderrTail.size() > STDERR_LINES_KEPT) {
                        stderrTail.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process is gone; nothing more to read
        }
    }

    @Override
    public void state(double[] stateOut) {
        // the raw state lives in the process: stateSize() is 0
    }

    @Override
    public void setState(double[] state, double[] obsOut) {
        throw new UnsupportedOperationException("environment " + id + " runs in its own process: its state cannot"
                + " be set from here (traces and conformance checks need a JVM environment)");
    }

    /** Closes the process's input (the protocol's "exit"), waits up to 5 s for it to end, then kills it. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        LIVE.remove(this);
        try {
            toProcess.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                LOG.warn("environment {} did not exit within 5 s of its input closing; killing pid {}", id,
                        process.pid());
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** @return the child process's id */
    public long pid() {
        return process.pid();
    }

    @Override
    public String toString() {
        return "ProcessEnvironment" + Arrays.asList(id, "pid " + process.pid());
    }
}
