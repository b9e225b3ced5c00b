package dev.floodgate.operators.shed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.floodgate.model.CustomerNames;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

/**
 * The hot-key line names the customer by a keyed pseudonym by default (no part of the id, not its
 * plain SHA-256, different under another key), and by its id only when the user asks for it.
 */
class HotKeyReporterTest {
    private static final String CUSTOMER = "customer-4711";

    @Test
    void theHotKeyLineNamesThePseudonymByDefaultAndTheIdOnlyWhenAsked() {
        HotKeyPolicy policy = HotKeyPolicy.of(1, Duration.ofSeconds(1));
        assertThat(policy.logCustomerIds()).isFalse();
        List<String> masked = linesOf(policy);
        assertThat(masked)
                .singleElement()
                .asString()
                .doesNotContain(CUSTOMER)
                .doesNotContain("4711")
                .doesNotContain(sha256Prefix(CUSTOMER))
                .contains(policy.customerNames().name(CUSTOMER));

        assertThat(linesOf(policy.withLogCustomerIds(true)))
                .singleElement()
                .asString()
                .contains(CUSTOMER);
    }

    @Test
    void aPseudonymIsStablePerKeyDistinctBetweenCustomersAndKeysAndNotThePlainHash() {
        CustomerNames names = CustomerNames.pseudonymous(new byte[32]);
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        assertThat(names.name(CUSTOMER))
                .isEqualTo(names.name(CUSTOMER))
                .isEqualTo(CustomerNames.pseudonymous(new byte[32]).name(CUSTOMER))
                .isNotEqualTo(names.name("customer-4712"))
                .isNotEqualTo(CustomerNames.pseudonymous(otherKey).name(CUSTOMER))
                .isNotEqualTo(CustomerNames.pseudonymous().name(CUSTOMER))
                .isNotEqualTo(sha256Prefix(CUSTOMER))
                .matches("#[0-9a-f]{12}");
        assertThat(CustomerNames.plainIds().name(CUSTOMER)).isEqualTo(CUSTOMER);
        assertThat(names.toString()).doesNotContain("0000");
    }

    /** The old pseudonym: {@code #} and 12 hex digits of the id's unkeyed SHA-256. */
    private static String sha256Prefix(String id) {
        try {
            return "#"
                    + HexFormat.of()
                            .formatHex(
                                    MessageDigest.getInstance("SHA-256")
                                            .digest(id.getBytes(StandardCharsets.UTF_8)),
                                    0,
                                    6);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
            new HotKeyReporter(policy).hot(CUSTOMER, 1_000_000L, 1_010_000L, 50.0);
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
            ctx.updateLoggers();
        }
        return lines;
    }
}
