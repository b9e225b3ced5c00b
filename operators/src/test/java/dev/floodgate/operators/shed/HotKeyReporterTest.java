package dev.floodgate.operators.shed;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/**
 * The hot-key line names the customer by its id by default, and by a stable pseudonym that holds no
 * part of the id when customer ids must stay out of the logs.
 */
class HotKeyReporterTest {
    private static final String CUSTOMER = "customer-4711";

    @Test
    void theHotKeyLineNamesTheCustomerOrItsPseudonym() {
        HotKeyPolicy policy = HotKeyPolicy.of(1, Duration.ofSeconds(1));
        assertThat(policy.logCustomerIds()).isTrue();
        assertThat(linesOf(policy)).singleElement().asString().contains(CUSTOMER);

        List<String> masked = linesOf(policy.withLogCustomerIds(false));
        assertThat(masked)
                .singleElement()
                .asString()
                .doesNotContain(CUSTOMER)
                .doesNotContain("4711")
                .contains(HotKeyReporter.pseudonym(CUSTOMER));
    }

    @Test
    void aPseudonymIsStablePerCustomerAndDistinctBetweenThem() {
        assertThat(HotKeyReporter.pseudonym(CUSTOMER))
                .isEqualTo(HotKeyReporter.pseudonym(CUSTOMER))
                .isNotEqualTo(HotKeyReporter.pseudonym("customer-4712"))
                .matches("#[0-9a-f]{12}");
    }

    private static List<String> linesOf(HotKeyPolicy policy) {
        List<String> lines = new ArrayList<>();
        AbstractAppender appender =
                new AbstractAppender("hot-keys", null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        if (event.getLoggerName().equals(HotKeyReporter.class.getName())) {
                            lines.add(event.getMessage().getFormattedMessage());
                        }
                    }
                };
        appender.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
        ctx.updateLoggers();
        try {
            new HotKeyReporter(policy).shed(CUSTOMER, 1_000_000L, 1_010_000L, 50.0);
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
            ctx.updateLoggers();
        }
        return lines;
    }
}
