package daedalus.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Token ring arithmetic for cleanup: which nodes replicate a key under SimpleStrategy or
 * NetworkTopologyStrategy (racks ignored). Key tokens come from our own 64-bit hash, not Murmur3: only
 * the shape of ownership matters here, not compatibility with real token values.
 */
final class Ring {
    private Ring() {}

    static long token(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h == Long.MIN_VALUE ? Long.MAX_VALUE : h;
    }

    static Set<UUID> replicas(List<ClusterMembership.Peer> ring, Schema.Keyspace ks, String key) {
        Set<UUID> out = new LinkedHashSet<>();
        for (ClusterMembership.Peer p : replicaPeers(ring, ks, token(key))) out.add(p.hostId);
        return out;
    }

    /**
     * Every token range of the ring, (previous token, token], with its replicas in ring order: what Cassandra's
     * getRangeToAddressMap gives (keyed by [start, end] as the tokens' strings). The first range wraps around.
     */
    static Map<List<String>, List<ClusterMembership.Peer>> ranges(List<ClusterMembership.Peer> ring, Schema.Keyspace ks) {
        TreeMap<Long, ClusterMembership.Peer> tokens = new TreeMap<>();
        for (ClusterMembership.Peer p : ring) for (Long t : p.tokens) tokens.put(t, p);
        Map<List<String>, List<ClusterMembership.Peer>> out = new java.util.LinkedHashMap<>();
        Long previous = tokens.isEmpty() ? null : tokens.lastKey();
        for (Long t : tokens.keySet()) {
            out.put(List.of(previous.toString(), t.toString()), replicaPeers(ring, ks, t));
            previous = t;
        }
        return out;
    }

    /** The replicas of a token: walk the ring clockwise from it, as the keyspace's strategy picks. */
    private static List<ClusterMembership.Peer> replicaPeers(List<ClusterMembership.Peer> ring, Schema.Keyspace ks, long token) {
        List<ClusterMembership.Peer> out = new ArrayList<>();
        String strategy = ks.replication.getOrDefault("class", "");
        if (strategy.endsWith("LocalStrategy") || strategy.endsWith("EverywhereStrategy")) {
            out.addAll(ring);
            return out;
        }
        TreeMap<Long, ClusterMembership.Peer> tokens = new TreeMap<>();
        for (ClusterMembership.Peer p : ring) for (Long t : p.tokens) tokens.put(t, p);
        if (tokens.isEmpty()) return out;
        List<ClusterMembership.Peer> walk = new ArrayList<>(tokens.tailMap(token, true).values());
        walk.addAll(tokens.headMap(token, false).values());
        boolean nts = strategy.endsWith("NetworkTopologyStrategy");
        Map<String, Integer> wanted = new HashMap<>();
        int simpleRf = 0;
        if (nts) {
            for (Map.Entry<String, String> e : ks.replication.entrySet()) {
                if (e.getKey().equals("class")) continue;
                wanted.put(e.getKey(), parseRf(e.getValue()));
            }
        } else {
            simpleRf = parseRf(ks.replication.getOrDefault("replication_factor", "1"));
        }
        Map<String, Integer> found = new HashMap<>();
        for (ClusterMembership.Peer p : walk) {
            if (out.contains(p)) continue;
            if (nts) {
                int have = found.getOrDefault(p.dc, 0);
                if (have < wanted.getOrDefault(p.dc, 0)) {
                    out.add(p);
                    found.put(p.dc, have + 1);
                }
            } else if (out.size() < simpleRf) {
                out.add(p);
            }
        }
        return out;
    }

    static int parseRf(String value) {
        String v = value.contains("/") ? value.substring(0, value.indexOf('/')) : value;
        return Integer.parseInt(v.trim());
    }
}
