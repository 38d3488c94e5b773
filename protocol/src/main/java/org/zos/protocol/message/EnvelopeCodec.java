package org.zos.protocol.message;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import java.io.IOException;
import java.util.List;
import org.zos.protocol.ZosException;
import org.zos.protocol.wire.Frame;

/**
 * Control frames to {@link Envelope}s and back, as JSON. Data frames pass through untouched. A control
 * frame that is not a well-formed envelope of a known message type is a PROTOCOL_ERROR; unknown
 * properties are ignored, so a newer peer may add fields.
 */
@ChannelHandler.Sharable
public final class EnvelopeCodec extends MessageToMessageCodec<Frame, Envelope> {
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true);

    @Override
    protected void encode(ChannelHandlerContext ctx, Envelope e, List<Object> out) throws JsonProcessingException {
        out.add(new Frame(Frame.Kind.CONTROL, Unpooled.wrappedBuffer(JSON.writeValueAsBytes(e))));
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Frame f, List<Object> out) {
        if (f.kind() == Frame.Kind.DATA) {
            out.add(f.retain());
            return;
        }
        out.add(read(f));
    }

    /** Reads the envelope in a control frame. */
    public static Envelope read(Frame f) {
        Envelope e;
        try {
            e = JSON.readValue((java.io.InputStream) new ByteBufInputStream(f.payload().duplicate()), Envelope.class);
        } catch (InvalidTypeIdException x) {
            throw malformed("unknown message type '" + x.getTypeId() + "'");
        } catch (IOException | RuntimeException x) {
            throw malformed("a control frame is not a valid envelope: " + firstLine(x.getMessage()));
        }
        if (e == null || e.body() == null || e.id() <= 0 || e.re() < 0) {
            throw malformed("an envelope lacks its body or has a bad number");
        }
        return e;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private static ZosException malformed(String what) {
        return Frame.violation(what);
    }
}
