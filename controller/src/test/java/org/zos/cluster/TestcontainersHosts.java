package org.zos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * The cluster's hosts through Testcontainers, for the integration tests: the same image, network, address,
 * mounts and capabilities as {@code zos-vm cluster up} gives them ({@link Cluster} says which), started
 * as {@link GenericContainer}s. Offline, so without Testcontainers' resource reaper (see the Failsafe
 * configuration): {@link #removeAll} removes the cluster's containers and network, its own and any left
 * by an earlier run, by the cluster's label and name.
 */
final class TestcontainersHosts implements HostRuntime {
    private final Map<String, GenericContainer<?>> started = new ConcurrentHashMap<>();
    private Network network;

    @Override
    public void createNetwork(String subnet) {
        network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withName(Cluster.NETWORK)
                .withLabels(Map.of(Cluster.LABEL, ""))
                .withIpam(new com.github.dockerjava.api.model.Network.Ipam()
                        .withConfig(new com.github.dockerjava.api.model.Network.Ipam.Config().withSubnet(subnet)))).build();
        network.getId(); // created here
    }

    @Override
    @SuppressWarnings("resource") // stopped by removeAll
    public void start(HostSpec spec) {
        GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(spec.image()))
                .withNetwork(network)
                .withEnv(spec.env())
                .withLabel(Cluster.LABEL, "")
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withName(spec.container()).withHostName(spec.hostname()).withIpv4Address(spec.address());
                    cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN).withInit(true);
                });
        spec.readOnly().forEach((host, path) -> c.withFileSystemBind(host.toAbsolutePath().toString(), path, BindMode.READ_ONLY));
        c.start();
        started.put(spec.container(), c);
    }

    @Override
    public Result exec(String container, String... cmd) {
        try {
            Container.ExecResult r = container(container).execInContainer(StandardCharsets.UTF_8, cmd);
            return new Result(r.getExitCode(), r.getStdout(), r.getStderr());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void put(String container, String path, byte[] content) {
        container(container).copyFileToContainer(Transferable.of(content), path + ".tmp");
        Result r = exec(container, "mv", path + ".tmp", path);
        if (!r.ok()) {
            throw new IllegalStateException("could not write " + path + " on " + container + ": " + r.err());
        }
    }

    @Override
    public boolean running(String container) {
        GenericContainer<?> c = started.get(container);
        return c != null && c.isRunning();
    }

    @Override
    public List<String> containers() {
        List<String> names = new ArrayList<>();
        started.forEach((name, c) -> {
            if (c.isRunning()) {
                names.add(name);
            }
        });
        return names;
    }

    @Override
    public List<String> removeAll() {
        List<String> removed = new ArrayList<>();
        DockerClient docker = DockerClientFactory.instance().client();
        var left = docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(Cluster.LABEL)).exec();
        for (var c : left) {
            docker.removeContainerCmd(c.getId()).withForce(true).withRemoveVolumes(true).exec();
        }
        if (!left.isEmpty()) {
            removed.add(left.size() + " cluster hosts");
        }
        started.clear();
        if (network != null) {
            network.close();
            network = null;
            removed.add("network " + Cluster.NETWORK);
        }
        for (var n : docker.listNetworksCmd().withNameFilter(Cluster.NETWORK).exec()) {
            if (n.getName().equals(Cluster.NETWORK)) {
                docker.removeNetworkCmd(n.getId()).exec();
                removed.add("network " + Cluster.NETWORK);
            }
        }
        return removed;
    }

    private GenericContainer<?> container(String name) {
        GenericContainer<?> c = started.get(name);
        if (c == null) {
            throw new IllegalStateException("no cluster host " + name + " was started here");
        }
        return c;
    }
}
