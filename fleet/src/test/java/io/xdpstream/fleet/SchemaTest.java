// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schemas in ../schema and what the app reads and writes agree. */
class SchemaTest {
    static final ObjectMapper M = new ObjectMapper();

    static JsonSchema schema(String name) throws Exception {
        Path p = Path.of(System.getProperty("xs.repo", ".."), "schema", name);
        try (InputStream in = Files.newInputStream(p)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    static void validate(String name, List<JsonNode> docs) throws Exception {
        JsonSchema s = schema(name);
        for (JsonNode d : docs) {
            Set<ValidationMessage> errs = s.validate(d);
            assertTrue(errs.isEmpty(), name + ": " + errs + " in " + d);
        }
    }

    static void validateAlerts(List<JsonNode> alerts) throws Exception {
        validate("alert.schema.json", alerts);
    }

    static List<String> simulated(String... extra) throws Exception {
        Path out = Files.createTempFile("fleet-sim", ".tsv");
        try {
            List<String> args = new ArrayList<>(List.of("--out", out.toString(), "--sensors", "2", "--ticks", "3",
                    "--start-ms", "1800000000000", "--per-tick", "50", "--syn-pps", "200"));
            args.addAll(List.of(extra));
            assertEquals(0, Simulator.main(args.toArray(new String[0])));
            List<String> vals = new ArrayList<>();
            for (String l : Files.readAllLines(out))
                vals.add(l.substring(l.indexOf('\t') + 1));
            return vals;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void producerMessagesMatchTheSchemaAndTheParser() throws Exception {
        for (String[] extra : new String[][] {{"--key", "000102030405060708090a0b0c0d0e0f"}, {}}) {
            List<String> msgs = simulated(extra);
            assertEquals(6, msgs.size());
            List<JsonNode> docs = new ArrayList<>();
            for (String m : msgs) {
                docs.add(M.readTree(m));
                Tick t = TickParser.parse(m);
                assertEquals(extra.length > 0, t.keyId() != null);
                assertEquals(t.startUs(), t.seq());
            }
            validate("aggregates.schema.json", docs);
        }
    }

    /** What the schema refuses, the parser refuses too (and the other way round for these cases). */
    @Test
    void schemaAndParserRefuseTheSame() throws Exception {
        JsonSchema s = schema("aggregates.schema.json");
        String good = simulated("--key", "000102030405060708090a0b0c0d0e0f").get(0);
        String[][] broken = {
            {"/xdpstream", "tick"}, // no tick
            {"/xdpstream/fleet", "victims"},
            {"/xdpstream/fleet/hll", "key_id"},
            {"/xdpstream/fleet/victims/items/0", "sources_hll"},
            {"/xdpstream/fleet/victims/items/0/top_sources", "floor"},
            {"/xdpstream/fleet/logins", "omitted"},
        };
        for (String[] b : broken) {
            ObjectNode doc = (ObjectNode) M.readTree(good);
            ObjectNode at = (ObjectNode) doc.at(b[0]);
            assertFalse(at.isMissingNode(), b[0]);
            at.remove(b[1]);
            assertFalse(s.validate(doc).isEmpty(), "schema accepts a message without " + b[0] + "/" + b[1]);
            assertThrows(TickParser.BadTick.class, () -> TickParser.parse(doc.toString()), b[0] + "/" + b[1]);
        }
        ObjectNode doc = (ObjectNode) M.readTree(good);
        ((ObjectNode) doc.at("/xdpstream/tick")).put("length_us", 0);
        assertFalse(s.validate(doc).isEmpty());
        assertThrows(TickParser.BadTick.class, () -> TickParser.parse(doc.toString()));
    }

    /** The sample configuration is what the app reads, every key documented there. */
    @Test
    void sampleConfigLoads() throws Exception {
        Path p = Path.of(System.getProperty("xs.repo", ".."), "config/fleet.properties");
        FleetConfig c = FleetConfig.load(p);
        assertEquals(10000, c.windowMs());
        String text = Files.readString(p);
        for (String k : FleetConfig.DEFAULTS.keySet())
            assertTrue(text.contains(k + "="), "config/fleet.properties does not document " + k);
        assertThrows(FleetConfig.BadConfig.class, () -> {
            java.util.Properties bad = new java.util.Properties();
            bad.load(new java.io.StringReader(text + "\nflood.syn_ppps=3\n"));
            new FleetConfig(bad);
        });
    }

    /** A v1 message (what today's sensors send) still matches the schema. */
    @Test
    void v1StillValid() throws Exception {
        ObjectNode doc = (ObjectNode) M.readTree(simulated().get(0));
        ObjectNode x = (ObjectNode) doc.get("xdpstream");
        x.put("schema_version", 1);
        x.remove("tick");
        x.remove("fleet");
        assertTrue(schema("aggregates.schema.json").validate(doc).isEmpty());
        TickParser.BadTick e = assertThrows(TickParser.BadTick.class, () -> TickParser.parse(doc.toString()));
        assertTrue(e.v1);
    }
}
