package daedalus.sim;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Host ID and tokens, generated at first start and kept under the node home (Cassandra keeps them in
 * system.local), so a restarted node comes back with the same identity.
 */
final class NodeIdentity {
    final UUID hostId;
    final List<Long> tokens;

    private NodeIdentity(UUID hostId, List<Long> tokens) {
        this.hostId = hostId;
        this.tokens = tokens;
    }

    static NodeIdentity loadOrCreate(Path home, int numTokens, List<Long> inheritedTokens) {
        Path file = home.resolve("sim/identity.json");
        String existing = Files2.readOrNull(file);
        if (existing != null) {
            Map<String, Object> json = Json.parseObject(existing);
            List<Long> tokens = new ArrayList<>();
            for (Object t : (List<?>) json.get("tokens")) tokens.add(Long.parseLong(t.toString()));
            return new NodeIdentity(UUID.fromString(json.get("hostId").toString()), tokens);
        }
        List<Long> tokens = new ArrayList<>();
        if (inheritedTokens != null) {
            tokens.addAll(inheritedTokens);
        } else {
            SecureRandom random = new SecureRandom();
            while (tokens.size() < numTokens) {
                long t = random.nextLong();
                if (t != Long.MIN_VALUE && !tokens.contains(t)) tokens.add(t);
            }
        }
        tokens.sort(null);
        NodeIdentity id = new NodeIdentity(UUID.randomUUID(), tokens);
        Map<String, Object> json = new TreeMap<>();
        json.put("hostId", id.hostId.toString());
        List<String> ts = new ArrayList<>();
        for (Long t : tokens) ts.add(t.toString());
        json.put("tokens", ts);
        Files2.writeAtomic(file, Json.write(json));
        return id;
    }
}
