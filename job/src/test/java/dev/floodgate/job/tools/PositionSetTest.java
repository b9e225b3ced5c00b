package dev.floodgate.job.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Invalid records' positions: exactly the positions added and not marked are reported. */
class PositionSetTest {

    @Property(tries = 200)
    void unmarkedAreTheAddedLessTheMarked(
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 2000) Integer> added,
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 2000) Integer> marked) {
        PositionSet set = new PositionSet();
        Set<String> model = new HashSet<>();
        for (int a : added) {
            set.add(a % 7, a / 7);
            model.add("t-" + (a % 7) + "@" + (a / 7));
        }
        assertThat(set.size()).isEqualTo(model.size());
        for (int m : marked) {
            set.mark(m % 7, m / 7);
            model.remove("t-" + (m % 7) + "@" + (m / 7));
        }
        assertThat(set.unmarkedCount()).isEqualTo(model.size());
        assertThat(set.unmarked("t", Integer.MAX_VALUE)).containsExactlyInAnyOrderElementsOf(model);
        assertThat(set.unmarked("t", 2)).hasSize(Math.min(2, model.size()));
    }
}
