package org.zos.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zos.protocol.ErrorCode;
import org.zos.protocol.ZosException;

/** The site authority's endorsements and revocation list, and what a host makes of a peer's chain. */
class SiteAuthorityTest {
    @TempDir
    Path tmp;

    SiteAuthority lab() throws Exception {
        return SiteAuthority.create(tmp.resolve("ca"), "lab", tmp.resolve("ca/public/crl.pem").toUri());
    }

    HostIdentity host(String name) throws Exception {
        return HostIdentity.loadOrCreate(tmp.resolve(name), name);
    }

    X509Certificate endorse(SiteAuthority ca, HostIdentity h) throws Exception {
        X509Certificate e = ca.sign(SiteAuthority.parseRequest(SiteAuthority.request(h)), SiteAuthority.DEFAULT_VALIDITY);
        h.installEndorsement(e);
        return e;
    }

    Authorities trusting(SiteAuthority ca) throws Exception {
        Authorities a = new Authorities(tmp.resolve("trusts-" + ca.name()));
        a.install(ca.certificate());
        return a;
    }

    @Test
    void anEndorsedHostIsKnownByItsNameAndTheAuthority() throws Exception {
        SiteAuthority ca = lab();
        HostIdentity h2 = host("host2");
        X509Certificate e = endorse(ca, h2);
        assertEquals(2, h2.chain().length, "the endorsement follows the host's own certificate");
        assertEquals(h2.certificate(), h2.chain()[0], "so its pinned fingerprint stays what it was");
        Authorities.Verdict v = trusting(ca).check(h2.chain());
        assertEquals(new Authorities.Endorsed("host2", "lab", e.getSerialNumber()), v);
        assertEquals(List.of("host2"), ca.issued().stream().map(SiteAuthority.Issued::host).toList());
    }

    @Test
    void withoutAnEndorsementOrFromAnotherAuthorityThereIsNone() throws Exception {
        SiteAuthority ca = lab();
        SiteAuthority other = SiteAuthority.create(tmp.resolve("other"), "other", null);
        HostIdentity h2 = host("host2");
        Authorities trusts = trusting(ca);
        assertInstanceOf(Authorities.None.class, trusts.check(h2.chain()));
        endorse(other, h2);
        Authorities.None none = assertInstanceOf(Authorities.None.class, trusts.check(h2.chain()));
        assertTrue(none.why().contains("does not trust"), none.why());
        assertInstanceOf(Authorities.None.class, new Authorities(tmp.resolve("empty")).check(h2.chain()));
    }

    @Test
    void anEndorsementForAnotherKeyOrNameIsInvalid() throws Exception {
        SiteAuthority ca = lab();
        HostIdentity h2 = host("host2");
        HostIdentity h3 = host("host3");
        X509Certificate e2 = endorse(ca, h2);
        Authorities trusts = trusting(ca);
        Authorities.Invalid stolen = assertInstanceOf(Authorities.Invalid.class, trusts.check(new X509Certificate[] {h3.certificate(), e2}));
        assertTrue(stolen.why().contains("another key"), stolen.why());
        // host3's key endorsed as host2, shown by host3, whose own certificate says host3
        X509Certificate asHost2 = ca.sign(SiteAuthority.parseRequest(SiteAuthority.request(
                new HostIdentity("host2", h3.key(), h3.certificate()))), Duration.ofDays(1));
        Authorities.Invalid renamed = assertInstanceOf(Authorities.Invalid.class, trusts.check(new X509Certificate[] {h3.certificate(), asHost2}));
        assertTrue(renamed.why().contains("as host2 but it calls itself host3"), renamed.why());
    }

    @Test
    void anExpiredEndorsementIsInvalid() throws Exception {
        SiteAuthority ca = lab();
        HostIdentity h2 = host("host2");
        h2.installEndorsement(ca.sign(SiteAuthority.parseRequest(SiteAuthority.request(h2)), Duration.ofHours(-1).plusMinutes(1)));
        Authorities.Invalid old = assertInstanceOf(Authorities.Invalid.class, trusting(ca).check(h2.chain()));
        assertTrue(old.why().contains("not now"), old.why());
    }

    @Test
    void revocationReachesAHostThroughTheDistributionPointAndOnlyNewerListsCount() throws Exception {
        SiteAuthority ca = lab();
        HostIdentity h2 = host("host2");
        HostIdentity h3 = host("host3");
        X509Certificate e2 = endorse(ca, h2);
        endorse(ca, h3);
        Authorities trusts = trusting(ca);
        assertEquals(tmp.resolve("ca/public/crl.pem").toUri(), trusts.anchors().get(0).crlSource().orElseThrow());
        assertEquals(1, trusts.refresh().size(), "the first list (number 1, nothing revoked) is fetched");
        assertEquals(List.of(), trusts.refresh(), "the same list again changes nothing");
        byte[] before = Files.readAllBytes(ca.crlFile());

        List<SiteAuthority.Issued> revoked = ca.revoke("host2");
        assertEquals(List.of(e2.getSerialNumber()), revoked.stream().map(SiteAuthority.Issued::serial).toList());
        assertInstanceOf(Authorities.Endorsed.class, trusts.check(h2.chain()), "not yet fetched");
        List<String> said = trusts.refresh();
        assertTrue(said.get(0).contains("1 revoked"), said.toString());
        Authorities.Revoked r = assertInstanceOf(Authorities.Revoked.class, trusts.check(h2.chain()));
        assertEquals("host2", r.host());
        assertInstanceOf(Authorities.Endorsed.class, trusts.check(h3.chain()), "host3 is untouched");

        assertFalse(trusts.install(Authorities.parseCrl(before)), "an older list never replaces a newer one");
        assertInstanceOf(Authorities.Revoked.class, new Authorities(trusts.dir()).check(h2.chain()), "kept on disk");

        endorse(ca, h2); // endorsed again, as after a reinstall: a new serial
        assertInstanceOf(Authorities.Endorsed.class, trusts.check(h2.chain()));
    }

    @Test
    void aDamagedListIsSetAsideAndFetchedAgain() throws Exception {
        SiteAuthority ca = lab();
        HostIdentity h2 = host("host2");
        endorse(ca, h2);
        ca.revoke("host2");
        Authorities trusts = trusting(ca);
        trusts.refresh();
        Files.writeString(trusts.dir().resolve("lab.crl"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        Authorities reread = new Authorities(trusts.dir());
        assertEquals(null, reread.anchors().get(0).crl(), "set aside, not trusted");
        assertTrue(Files.exists(trusts.dir().resolve("lab.crl.damaged")));
        assertEquals(1, reread.refresh().size());
        assertInstanceOf(Authorities.Revoked.class, reread.check(h2.chain()), "the authority's own list is back");
    }

    @Test
    void aListFromAnotherAuthorityOfTheSameNameIsRefused() throws Exception {
        SiteAuthority ca = lab();
        SiteAuthority fake = SiteAuthority.create(tmp.resolve("fake"), "lab", null);
        Authorities trusts = trusting(ca);
        ZosException e = assertThrows(ZosException.class, () -> trusts.install(Authorities.parseCrl(Files.readAllBytes(fake.crlFile()))));
        assertEquals(ErrorCode.INTEGRITY_ERROR, e.code());
        ZosException twice = assertThrows(ZosException.class, () -> trusts.install(fake.certificate()));
        assertEquals(ErrorCode.PEER_KEY_CHANGED, twice.code());
        assertEquals("lab", trusts.install(ca.certificate()), "installing the same authority again is fine");
    }

    @Test
    void badInputNamesTheProblem() throws Exception {
        SiteAuthority ca = lab();
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> lab()).code(), "a second init in the same folder");
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> SiteAuthority.parseRequest("hello")).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> ca.revoke("nobody")).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class,
                () -> SiteAuthority.create(tmp.resolve("x"), "Lab Site", null)).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class,
                () -> SiteAuthority.create(tmp.resolve("y"), "lab", java.net.URI.create("ftp://x/crl"))).code());
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class,
                () -> new Authorities(tmp.resolve("z")).install(host("host9").certificate())).code(), "a host's certificate is no authority");
        assertEquals(ErrorCode.BAD_PARAMETER, assertThrows(ZosException.class, () -> SiteAuthority.open(tmp.resolve("none"))).code());
        assertEquals("lab", SiteAuthority.open(tmp.resolve("ca")).name());
    }
}
