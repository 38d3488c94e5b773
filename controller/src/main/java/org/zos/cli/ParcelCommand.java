package org.zos.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code zos-vm parcel}: animas kept in an object store (docs/parcel-format.md). */
@Command(name = "parcel", description = "List, check, collect and erase the animas kept in an object store (a remote).",
        subcommands = {ParcelCommand.List.class, ParcelCommand.Check.class, ParcelCommand.Gc.class, ParcelCommand.Erase.class,
                ParcelCommand.Unlock.class, ParcelCommand.Export.class, ParcelCommand.Import.class})
final class ParcelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a parcel command is needed (list, check, gc, erase, unlock, export, import)");
    }

    @Command(name = "list", description = "The animas with a parcel in the remote: objects and bytes each.")
    static final class List extends ParcelSubcommand {
        @Override
        void run(java.io.PrintWriter out) throws Exception {
            try (org.zos.store.parcel.Remote r = remote()) {
                java.util.List<String> animas = org.zos.store.parcel.Parcel.animas(r);
                if (animas.isEmpty()) {
                    out.printf("Remote '%s' holds no parcel.%n", r.name());
                    return;
                }
                out.printf("%-24s %10s %12s%n", "ANIMA", "OBJECTS", "SIZE");
                for (String a : animas) {
                    long[] size = new org.zos.store.parcel.Parcel(r, a).size();
                    out.printf("%-24s %10d %12s%n", a, size[0], Sizes.bytes(size[1]));
                }
                // The chunks: one pool per key, shared by the parcels sealed under it (a user's animas).
                for (org.zos.store.parcel.Parcel.Pool pool : org.zos.store.parcel.Parcel.pools(r)) {
                    out.printf("%-24s %10d %12s   chunks of %s%n", "pool " + pool.tag().substring(0, 8), pool.chunks(),
                            Sizes.bytes(pool.bytes()), pool.animas().isEmpty() ? "no parcel (erase left them)" : String.join(", ", pool.animas()));
                }
            }
        }
    }

    @Command(name = "check", description = "Check that the parcel holds everything its rest record needs; with --data, download and open every chunk.")
    static final class Check extends ParcelSubcommand {
        @CommandLine.Parameters(paramLabel = "ANIMA")
        String anima;

        @CommandLine.Option(names = "--data", description = "download and open every chunk (a tampered or cut object is found)")
        boolean data;

        @Override
        void run(java.io.PrintWriter out) throws Exception {
            try (org.zos.store.parcel.Remote r = remote()) {
                org.zos.store.parcel.Parcel p = new org.zos.store.parcel.Parcel(r, anima);
                org.zos.store.crypto.MasterKey key = key(p, anima);
                org.zos.store.parcel.Parcel.Checked c;
                try {
                    c = p.check(key, data, new org.zos.store.WorkMeter());
                } finally {
                    key.destroy();
                }
                c.problems().forEach(x -> out.println(anima + ": " + x));
                if (!c.problems().isEmpty()) {
                    throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.INTEGRITY_ERROR, "the parcel of " + anima + " in remote '"
                            + r.name() + "' has " + c.problems().size() + " problem(s)", "suspend the anima to it again from a host that holds it");
                }
                out.printf("%s: %d chunks%s, all there.%n", anima, c.chunks(), data ? " (" + Sizes.bytes(c.bytesRead()) + " read and opened)" : "");
            }
        }
    }

    @Command(name = "gc", description = "Delete the objects of a parcel its rest record does not need (older generations, cut uploads), "
            + "and the chunks no parcel sharing them needs.")
    static final class Gc extends ParcelSubcommand {
        @CommandLine.Parameters(paramLabel = "ANIMA")
        String anima;

        @Override
        void run(java.io.PrintWriter out) throws Exception {
            try (org.zos.store.parcel.Remote r = remote()) {
                org.zos.store.parcel.Parcel p = new org.zos.store.parcel.Parcel(r, anima);
                org.zos.store.crypto.MasterKey key = key(p, anima);
                org.zos.store.parcel.Parcel.Collected c;
                try {
                    c = p.gc(key);
                } finally {
                    key.destroy();
                }
                out.printf("%s: deleted %d objects, %s, of the parcels sharing its chunks (%s).%n", anima, c.objects(),
                        Sizes.bytes(c.bytes()), String.join(", ", c.animas()));
            }
        }
    }

    @Command(name = "erase", description = "Delete an anima's parcel from the remote, its key first.")
    static final class Erase extends ParcelSubcommand {
        @CommandLine.Parameters(paramLabel = "ANIMA")
        String anima;

        @CommandLine.Option(names = "--yes", description = "confirm: the parcel is lost for good")
        boolean yes;

        @Override
        void run(java.io.PrintWriter out) throws Exception {
            if (!yes) {
                throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "erasing the parcel of " + anima
                        + " deletes its key and every object of it in the remote for good", "add --yes to confirm");
            }
            try (org.zos.store.parcel.Remote r = remote()) {
                org.zos.store.parcel.Parcel.Erased e = new org.zos.store.parcel.Parcel(r, anima).erase();
                out.printf("Erased the parcel of %s from remote '%s': key deleted first, %d objects deleted.%n", anima, r.name(), e.objects());
                if (!e.sharedWith().isEmpty()) {
                    out.printf("The %d chunks of its pool stay, shared with %s; 'zos-vm parcel gc %s --remote %s' deletes those only %s needed.%n",
                            e.shared(), String.join(", ", e.sharedWith()), e.sharedWith().get(0), r.name(), anima);
                }
            }
        }
    }

    @Command(name = "unlock", description = "End the lease of a host that checked the parcel out and is gone for good.")
    static final class Unlock extends ParcelSubcommand {
        @CommandLine.Parameters(paramLabel = "ANIMA")
        String anima;

        @CommandLine.Option(names = "--yes", description = "confirm: the host that holds it will never suspend it back")
        boolean yes;

        @Override
        void run(java.io.PrintWriter out) throws Exception {
            if (!yes) {
                throw new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.BAD_PARAMETER, "unlocking lets another host resume "
                        + anima + " from the parcel while the holder may still run it: two copies would then diverge",
                        "add --yes if the holder is gone for good");
            }
            try (org.zos.store.parcel.Remote r = remote()) {
                new org.zos.store.parcel.Parcel(r, anima).breakLease();
                out.printf("The parcel of %s in remote '%s' is no longer checked out.%n", anima, r.name());
            }
        }
    }

    @Command(name = "export", description = {"Suspend the anima into one parcel file (a tar of its sealed chunks and manifests, "
            + "for removable storage); once the file is complete it is the anima, and the anima leaves this host.",
            "'zos-vm parcel import FILE' resumes it on any host. Run as root: the agent writes the file."})
    static final class Export extends HostCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "NAME")
        String name;
        @CommandLine.Parameters(index = "1", paramLabel = "FILE", description = "a new file, e.g. /media/stick/work.zosparcel")
        java.nio.file.Path file;
        @CommandLine.Mixin
        PassphraseOption passphrase;

        @Override
        void run(HostOptions.Agent agent, java.io.PrintWriter out) throws Exception {
            java.nio.file.Path f = file.toAbsolutePath().normalize();
            java.util.Map<String, String> options = passphrase.with(java.util.Map.of("to", f.toString()),
                    "Passphrase for " + name + "'s parcel file: ");
            org.zos.protocol.message.ActionDone done;
            try (Progress p = Progress.pushed(err())) {
                done = agent.act("suspend", name, options, p);
            }
            out.printf("Anima '%s' is in %s: %s.%n", name, f, done.note());
        }
    }

    @Command(name = "import", description = {"Resume the anima a parcel file holds on this host (only what this host lacks is read); "
            + "the file is then renamed FILE.resumed. Run as root: the agent reads the file."})
    static final class Import extends HostCommand {
        @CommandLine.Parameters(index = "0", paramLabel = "FILE")
        java.nio.file.Path file;
        @CommandLine.Mixin
        PassphraseOption passphrase;

        @Override
        void run(HostOptions.Agent agent, java.io.PrintWriter out) throws Exception {
            java.nio.file.Path f = file.toAbsolutePath().normalize();
            String name;
            try (org.zos.store.parcel.TarRemote t = org.zos.store.parcel.TarRemote.open(f)) {
                name = t.anima().orElseThrow(() -> new org.zos.protocol.ZosException(org.zos.protocol.ErrorCode.INTEGRITY_ERROR,
                        f + " holds no anima's key", "it is not a parcel file 'zos-vm parcel export' wrote"));
            }
            java.util.Map<String, String> options = passphrase.with(java.util.Map.of("from", f.toString()),
                    "Passphrase of " + name + "'s parcel file: ");
            org.zos.protocol.message.ActionDone done;
            try (Progress p = Progress.pushed(err())) {
                done = agent.act("resume", name, options, p);
            }
            out.printf("Anima '%s' resumed from %s: %s.%n", name, f, done.note());
        }
    }
}
