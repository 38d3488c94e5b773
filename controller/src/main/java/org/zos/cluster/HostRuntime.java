package org.zos.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the hosts of the local cluster run as containers: the docker command line for {@code zos-vm
 * cluster} ({@link DockerCli}), Testcontainers in the integration tests. Both start the same image the
 * same way ({@link Cluster} says how); only the means differ.
 */
public interface HostRuntime {
    /** What a command said: its exit status and both outputs. */
    record Result(int status, String out, String err) {
        public boolean ok() {
            return status == 0;
        }
    }

    /**
     * One host's container: its name, host name and address on the cluster network, its image, environment,
     * and host paths mounted read-only (host path to container path). Every container gets the cluster's
     * label, NET_ADMIN (to shape its link) and an init process.
     */
    record HostSpec(String container, String hostname, String address, String image, Map<String, String> env,
            Map<Path, String> readOnly) {
    }

    /** Creates the cluster's network with {@code subnet}. */
    void createNetwork(String subnet);

    /** Starts a host's container; returns once it runs. */
    void start(HostSpec spec);

    /** Runs a command in a container, waiting for it. */
    Result exec(String container, String... cmd);

    /** Writes a file in a container (through a temporary file, then a rename). */
    void put(String container, String path, byte[] content);

    /** Whether a container runs. */
    boolean running(String container);

    /** The cluster's containers that run now, by container name. */
    List<String> containers();

    /** Removes every container of the cluster and its network; says what it removed. */
    List<String> removeAll();
}
