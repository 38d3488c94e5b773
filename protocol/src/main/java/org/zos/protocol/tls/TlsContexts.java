package org.zos.protocol.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/**
 * TLS 1.3 only, both sides authenticated by their host identity (and its site endorsement, if any), peers
 * checked by {@link PinningTrustManager}. Made per connection, so a newly installed endorsement is used at once.
 */
public final class TlsContexts {
    private static final String TLS13 = "TLSv1.3";

    private TlsContexts() {
    }

    public static SslContext server(HostIdentity me, PinningTrustManager trust) throws SSLException {
        return SslContextBuilder.forServer(me.key(), me.chain()).trustManager(trust)
                .clientAuth(ClientAuth.REQUIRE).protocols(TLS13).sslProvider(SslProvider.JDK).build();
    }

    public static SslContext client(HostIdentity me, PinningTrustManager trust) throws SSLException {
        return SslContextBuilder.forClient().keyManager(me.key(), me.chain()).trustManager(trust)
                .protocols(TLS13).sslProvider(SslProvider.JDK).build();
    }
}
