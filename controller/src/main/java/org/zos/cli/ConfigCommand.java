package org.zos.cli;

import picocli.CommandLine.Mixin;

/** A subcommand that works with this host's identity and enrolled hosts (trust, hosts, discover). */
abstract class ConfigCommand extends PrintingCommand {
    @Mixin
    ConfigOptions config;
}
