package dev.floodgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads the repository's deployment files as Jackson trees. */
final class Manifests {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Manifests() {}

    static Path root() {
        return Paths.get(System.getProperty("floodgate.root", "..")).toAbsolutePath().normalize();
    }

    static Path k8s(String file) {
        return root().resolve("k8s").resolve(file);
    }

    /** Every document of a (multi-document) YAML file. */
    static List<JsonNode> documents(Path file) {
        try (YAMLParser parser = new YAMLFactory().createParser(Files.readString(file))) {
            List<JsonNode> docs = new ArrayList<>();
            Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isMissingNode() && !doc.isNull()) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    static JsonNode document(Path file) {
        List<JsonNode> docs = documents(file);
        if (docs.size() != 1) {
            throw new AssertionError(file + " should hold one document, has " + docs.size());
        }
        return docs.get(0);
    }

    static List<String> args(JsonNode flinkDeployment) {
        List<String> args = new ArrayList<>();
        flinkDeployment.path("spec").path("job").path("args").forEach(a -> args.add(a.asText()));
        return args;
    }

    static Map<String, String> flinkConfiguration(JsonNode flinkDeployment) {
        return YAML.convertValue(
                flinkDeployment.path("spec").path("flinkConfiguration"),
                YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
    }

    /** The value following {@code --key} in a job's args (or {@code --key=value}), or null. */
    static String arg(List<String> args, String key) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--" + key) && i + 1 < args.size()) {
                return args.get(i + 1);
            }
            if (args.get(i).startsWith("--" + key + "=")) {
                return args.get(i).substring(key.length() + 3);
            }
        }
        return null;
    }

    /** A YAML resource of a jar on the test class path. */
    static JsonNode resource(String name) {
        try (InputStream in = Manifests.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new AssertionError("no resource " + name + " on the class path");
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode copy(JsonNode node) {
        return (ObjectNode) node.deepCopy();
    }
}
