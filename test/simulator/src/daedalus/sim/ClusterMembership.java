package daedalus.sim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Gossip stand-in: each simulator publishes itself in `<cluster-dir>/nodes/<hostId>.json` and refreshes a
 * heartbeat there. A peer is up while its process exists, its heartbeat is fresh and it has not announced
 * shutdown, drain or departure; otherwise it is unreachable (or gone from the ring once it has LEFT).
 */
final class ClusterMembership {
    static final int STORAGE_PORT = 7000;

    static final class Peer {
        final UUID hostId;
        final String address;
        final String dc;
        final String rack;
        final List<Long> tokens;
        final int jmxPort;
        final long pid;
        final String state;
        final long heartbeat;
        final List<String> dataDirs;

        Peer(Map<String, Object> json) {
            hostId = UUID.fromString(json.get("hostId").toString());
            address = json.get("address").toString();
            dc = json.get("dc").toString();
            rack = json.get("rack").toString();
            tokens = new ArrayList<>();
            for (Object t : (List<?>) json.get("tokens")) tokens.add(Long.parseLong(t.toString()));
            jmxPort = (int) Json.num(json, "jmxPort", 0);
            pid = Json.num(json, "pid", -1);
            state = Json.str(json, "state", "NORMAL");
            heartbeat = Json.num(json, "heartbeat", 0);
            dataDirs = new ArrayList<>();
            Object dirs = json.get("dataDirs");
            if (dirs instanceof List) for (Object d : (List<?>) dirs) dataDirs.add(d.toString());
        }

        String endpointWithPort() {
            return address + ":" + STORAGE_PORT;
        }

        boolean inRing() {
            return !"LEFT".equals(state);
        }

        boolean up(long now, long downAfterMillis) {
            if (!"NORMAL".equals(state) && !"LEAVING".equals(state) && !"JOINING".equals(state)) return false;
            if (now - heartbeat > downAfterMillis) return false;
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private final Path nodesDir;
    private final Options options;
    private final NodeIdentity identity;
    private volatile String state = "JOINING";

    ClusterMembership(Options options, NodeIdentity identity) {
        this.options = options;
        this.identity = identity;
        this.nodesDir = options.clusterDir.resolve("nodes");
        Files2.mkdirs(nodesDir);
    }

    String state() {
        return state;
    }

    synchronized void publish(String newState) {
        state = newState;
        heartbeat();
    }

    synchronized void heartbeat() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("hostId", identity.hostId.toString());
        json.put("address", options.address);
        json.put("dc", options.dc);
        json.put("rack", options.rack);
        List<String> tokens = new ArrayList<>();
        for (Long t : identity.tokens) tokens.add(t.toString());
        json.put("tokens", tokens);
        json.put("jmxPort", options.jmxPort);
        json.put("pid", ProcessHandle.current().pid());
        json.put("state", state);
        json.put("heartbeat", System.currentTimeMillis());
        List<String> dirs = new ArrayList<>();
        for (Path d : options.dataDirs) dirs.add(d.toString());
        json.put("dataDirs", dirs);
        json.put("releaseVersion", options.version.releaseVersion);
        Files2.writeAtomic(nodesDir.resolve(identity.hostId + ".json"), Json.write(json));
    }

    /** Every node ever published in this cluster dir, including this one (as last published). */
    List<Peer> all() {
        return readAll(nodesDir);
    }

    static List<Peer> readAll(Path nodesDir) {
        List<Peer> out = new ArrayList<>();
        for (Path p : Files2.list(nodesDir)) {
            if (!p.getFileName().toString().endsWith(".json")) continue;
            String text = Files2.readOrNull(p);
            if (text == null) continue;
            try {
                out.add(new Peer(Json.parseObject(text)));
            } catch (RuntimeException e) {
                // a file being replaced right now; the next read sees it whole
            }
        }
        return out;
    }

    /** Nodes in the token ring (not LEFT), self included. */
    List<Peer> ring() {
        List<Peer> out = new ArrayList<>();
        for (Peer p : all()) if (p.inRing()) out.add(p);
        return out;
    }

    boolean isSelf(Peer p) {
        return p.hostId.equals(identity.hostId);
    }

    /** Whether this node sees `p` as up: itself always while it runs, peers by their heartbeat. */
    boolean isUp(Peer p) {
        if (isSelf(p)) return !"LEFT".equals(state);
        return p.up(System.currentTimeMillis(), options.downAfterMillis);
    }

    void forget(UUID hostId) {
        try {
            java.nio.file.Files.deleteIfExists(nodesDir.resolve(hostId + ".json"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
