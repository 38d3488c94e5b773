package org.zos.store.parcel;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A remote in memory whose create is atomic (as AWS S3's and Ceph RGW's conditional PUT are), for the
 * lease's logic, which the in-process S3 server (S3Proxy ignores If-None-Match) cannot exercise; the
 * integration tests race real hosts on Ceph's RADOS Gateway.
 */
final class MemoryRemote implements Remote {
    final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key)).map(byte[]::clone);
    }

    @Override
    public void put(String key, byte[] bytes) {
        objects.put(key, bytes.clone());
    }

    @Override
    public boolean create(String key, byte[] bytes) {
        byte[] held = objects.putIfAbsent(key, bytes.clone());
        return held == null || java.util.Arrays.equals(held, bytes);
    }

    @Override
    public boolean conditional() {
        return true;
    }

    @Override
    public Map<String, Long> list(String prefix) {
        Map<String, Long> out = new TreeMap<>();
        objects.tailMap(prefix).forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k, (long) v.length);
            }
        });
        return out;
    }

    @Override
    public void delete(String key) {
        objects.remove(key);
    }

    @Override
    public void close() {
    }
}
