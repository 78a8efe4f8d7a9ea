// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
package io.xdpstream.fleet;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** JSON serde for the app's internal records (repartition topic, stores); HLLs in their wire form. */
public final class JsonSerde<T> implements Serde<T> {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .registerModule(new SimpleModule().addSerializer(Hll.class, new HllOut()).addDeserializer(Hll.class, new HllIn()));

    private final Class<T> type;

    public JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, v) -> {
            if (v == null)
                return null;
            try {
                return MAPPER.writeValueAsBytes(v);
            } catch (IOException e) {
                throw new SerializationException("cannot write " + type.getSimpleName(), e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, b) -> {
            if (b == null)
                return null;
            try {
                return MAPPER.readValue(b, type);
            } catch (IOException e) {
                throw new SerializationException("cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
            }
        };
    }

    static final class HllOut extends JsonSerializer<Hll> {
        @Override
        public void serialize(Hll h, JsonGenerator g, SerializerProvider sp) throws IOException {
            g.writeStartObject();
            g.writeNumberField("p", h.p());
            if (h.sparseIsSmaller())
                g.writeStringField("s", h.sparse());
            else
                g.writeStringField("d", h.dense());
            g.writeEndObject();
        }
    }

    static final class HllIn extends JsonDeserializer<Hll> {
        @Override
        public Hll deserialize(JsonParser jp, DeserializationContext ctx) throws IOException {
            JsonNode n = jp.getCodec().readTree(jp);
            return TickParser.hll(n.has("h") ? n : wrap(n), "h", true);
        }

        private static JsonNode wrap(JsonNode n) {
            return MAPPER.createObjectNode().set("h", n);
        }
    }
}
