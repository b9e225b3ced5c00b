package dev.floodgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A structural OpenAPI v3 check of a manifest against a CRD schema, as the API server would do it:
 * unknown keys (the API server prunes them silently), types, enums and required keys.
 */
final class SchemaCheck {
    private SchemaCheck() {}

    static void check(JsonNode value, JsonNode schema, String path, List<String> errors) {
        if (schema == null || schema.isMissingNode()) {
            return;
        }
        boolean preserveUnknown =
                schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isNumber() && !value.isTextual()) {
                errors.add(path + ": expected an int or a string, got " + value);
            }
            return;
        }
        String type = schema.path("type").asText("");
        switch (type) {
            case "object":
                if (!value.isObject()) {
                    errors.add(path + ": expected an object, got " + value);
                    return;
                }
                break;
            case "array":
                if (!value.isArray()) {
                    errors.add(path + ": expected a list, got " + value);
                    return;
                }
                break;
            case "string":
                if (!value.isTextual()) {
                    errors.add(path + ": expected a string, got " + value + " (quote it)");
                }
                break;
            case "integer":
                if (!value.isIntegralNumber()) {
                    errors.add(path + ": expected an integer, got " + value);
                }
                break;
            case "number":
                if (!value.isNumber()) {
                    errors.add(path + ": expected a number, got " + value);
                }
                break;
            case "boolean":
                if (!value.isBoolean()) {
                    errors.add(path + ": expected true or false, got " + value);
                }
                break;
            default:
                break;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.asText().equals(value.asText());
            }
            if (!found) {
                errors.add(path + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (value.isObject()) {
            JsonNode properties = schema.get("properties");
            JsonNode additional = schema.get("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = path + "/" + e.getKey();
                if (path.isEmpty()
                        && Set.of("apiVersion", "kind", "metadata").contains(e.getKey())) {
                    continue; // type and ObjectMeta: validated by the API server itself, not by the
                    // CRD's schema
                }
                if (properties != null && properties.has(e.getKey())) {
                    check(e.getValue(), properties.get(e.getKey()), p, errors);
                } else if (additional != null && additional.isObject()) {
                    check(e.getValue(), additional, p, errors);
                } else if (!preserveUnknown
                        && !(additional != null && additional.asBoolean(false))) {
                    errors.add(p + ": unknown key");
                }
            }
            for (JsonNode r : schema.path("required")) {
                if (!value.has(r.asText())) {
                    errors.add(path + ": required key " + r.asText() + " is missing");
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), schema.get("items"), path + "[" + i + "]", errors);
            }
        }
    }
}
