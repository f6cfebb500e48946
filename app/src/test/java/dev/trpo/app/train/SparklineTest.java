package dev.trpo.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SparklineTest {
    @Test
    void aRisingCurveRisesFromTheLowestToTheHighestLevelWithItsFirstAndLastValueBeside() {
        List<Double> rising = new ArrayList<>();
        rising.add(Double.NaN); // version 0 has no episodes yet
        for (int i = 0; i <= 8; i++) {
            rising.add(20.0 + 60 * i);
        }
        assertEquals("20.0 [_.-~=+*%#] 500", Sparkline.of(rising, 40));
    }

    @Test
    void moreValuesThanCharactersAreAveragedInEqualShares() {
        // 0 0 | 10 10 | 0 0 | 10 10 in 4 characters
        List<Double> values = List.of(0.0, 0.0, 10.0, 10.0, 0.0, 0.0, 10.0, 10.0);
        assertEquals("0.0 [_#_#] 10.0", Sparkline.of(values, 4));
        assertEquals("10.0 [#_#_] 0.0", Sparkline.of(List.of(10.0, 10.0, 0.0, 0.0, 10.0, 10.0, 0.0, 0.0), 4));
        List<Double> collapsing = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            collapsing.add(i < 60 ? 500.0 : 120.0);
        }
        String line = Sparkline.of(collapsing, 10);
        assertEquals("500 [######____] 120", line, "CartPole seed 23: 500, then a collapse");
    }

    @Test
    void aFlatOrEmptyCurveIsStillOneLine() {
        assertEquals("-200 [====] -200", Sparkline.of(List.of(-200.0, -200.0, -200.0, -200.0), 40));
        assertEquals("-", Sparkline.of(List.of(Double.NaN), 40));
        assertEquals("-", Sparkline.of(List.of(), 40));
    }
}
