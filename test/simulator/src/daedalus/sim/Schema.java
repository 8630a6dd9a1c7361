package daedalus.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/** An immutable view of the cluster schema: system keyspaces (built in) plus the shared user schema. */
final class Schema {
    static final List<String> LOCAL_SYSTEM_KEYSPACES = List.of("system", "system_schema");
    static final List<String> REPLICATED_SYSTEM_KEYSPACES = List.of("system_auth", "system_distributed", "system_traces");
    private static final Pattern NAME = Pattern.compile("\\w{1,48}");
    private static final Pattern UNCOMPRESSED =
        Pattern.compile("compression\\s*=\\s*\\{[^}]*'enabled'\\s*:\\s*'false'", Pattern.CASE_INSENSITIVE);

    static final class Keyspace {
        final String name;
        final Map<String, String> replication;
        final boolean system;
        final Map<String, Table> tables = new TreeMap<>();

        Keyspace(String name, Map<String, String> replication, boolean system) {
            this.name = name;
            this.replication = replication;
            this.system = system;
        }

        boolean localSystem() {
            return LOCAL_SYSTEM_KEYSPACES.contains(name);
        }

        String createStatement() {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<String, String> e : replication.entrySet()) {
                if (sb.length() > 0) sb.append(", ");
                sb.append('\'').append(e.getKey()).append("': '").append(e.getValue()).append('\'');
            }
            return "CREATE KEYSPACE IF NOT EXISTS " + name + " WITH replication = {" + sb + "} AND durable_writes = true;";
        }
    }

    /** Secondary index kinds: a classic (legacy) 2i, or a storage-attached index (SAI, 5.0). */
    static final String LEGACY = "legacy";
    static final String SAI = "sai";

    static final class Table {
        final String keyspace;
        final String name;
        final UUID id;
        final String cql;
        final boolean system;
        /** Index name → kind (LEGACY or SAI); every index covers the `value` column. */
        final Map<String, String> indexes;

        Table(String keyspace, String name, UUID id, String cql, boolean system) {
            this(keyspace, name, id, cql, system, Map.of());
        }

        Table(String keyspace, String name, UUID id, String cql, boolean system, Map<String, String> indexes) {
            this.keyspace = keyspace;
            this.name = name;
            this.id = id;
            this.cql = cql;
            this.system = system;
            this.indexes = Collections.unmodifiableMap(new TreeMap<>(indexes));
        }

        List<String> indexNames(String kind) {
            List<String> out = new ArrayList<>();
            for (Map.Entry<String, String> e : indexes.entrySet()) if (e.getValue().equals(kind)) out.add(e.getKey());
            return out;
        }

        String idHex() {
            return id.toString().replace("-", "");
        }

        String dirName() {
            return name + "-" + idHex();
        }

        boolean compressed() {
            return cql == null || !UNCOMPRESSED.matcher(cql).find();
        }

        /** The statement Cassandra writes into a snapshot's schema.cql: IF NOT EXISTS and the table ID pinned. */
        String snapshotSchema() {
            String body = cql.trim();
            if (body.endsWith(";")) body = body.substring(0, body.length() - 1).trim();
            body = body.replaceFirst("(?is)^CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?", "CREATE TABLE IF NOT EXISTS ");
            java.util.regex.Matcher with = Pattern.compile("(?is)\\)\\s*WITH\\s+").matcher(body);
            if (with.find()) {
                body = body.substring(0, with.start()) + ")\n    WITH ID = " + id + "\n    AND " + body.substring(with.end());
            } else {
                body = body + "\n    WITH ID = " + id;
            }
            StringBuilder out = new StringBuilder(body).append(";\n");
            // Cassandra's schema.cql also recreates the table's indexes
            for (Map.Entry<String, String> e : indexes.entrySet()) {
                if (e.getValue().equals(SAI)) {
                    out.append("CREATE CUSTOM INDEX IF NOT EXISTS ").append(e.getKey()).append(" ON ").append(qualified())
                        .append(" (value) USING 'org.apache.cassandra.index.sai.StorageAttachedIndex';\n");
                } else {
                    out.append("CREATE INDEX IF NOT EXISTS ").append(e.getKey()).append(" ON ").append(qualified()).append(" (value);\n");
                }
            }
            return out.toString();
        }

        String qualified() {
            return keyspace + "." + name;
        }
    }

    final Map<String, Keyspace> keyspaces;
    final UUID version;

    Schema(Map<String, Keyspace> keyspaces, UUID version) {
        this.keyspaces = Collections.unmodifiableMap(keyspaces);
        this.version = version;
    }

    static void checkName(String what, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore characters (got \"" + name + "\")");
        }
    }

    Keyspace keyspace(String name) {
        return keyspaces.get(name);
    }

    Table table(String keyspace, String table) {
        Keyspace ks = keyspaces.get(keyspace);
        return ks == null ? null : ks.tables.get(table);
    }

    List<Table> allTables() {
        List<Table> out = new ArrayList<>();
        for (Keyspace ks : keyspaces.values()) out.addAll(ks.tables.values());
        return out;
    }

    static String defaultCql(String keyspace, String table) {
        return "CREATE TABLE " + keyspace + "." + table + " (\n    key text PRIMARY KEY,\n    value blob\n)";
    }

    /** Builds the view from the stored user schema JSON (see SchemaStore) plus built-in system keyspaces. */
    static Schema fromStored(Map<String, Object> stored) {
        Map<String, Keyspace> all = new TreeMap<>(systemKeyspaces());
        Object kss = stored.get("keyspaces");
        if (kss instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) kss).entrySet()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> ksJson = (Map<String, Object>) e.getValue();
                Map<String, String> replication = new LinkedHashMap<>();
                Object rep = ksJson.get("replication");
                if (rep instanceof Map) for (Map.Entry<?, ?> r : ((Map<?, ?>) rep).entrySet()) {
                    replication.put(r.getKey().toString(), String.valueOf(r.getValue()));
                }
                Keyspace ks = new Keyspace(e.getKey().toString(), replication, false);
                Object tables = ksJson.get("tables");
                if (tables instanceof Map) for (Map.Entry<?, ?> t : ((Map<?, ?>) tables).entrySet()) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> tJson = (Map<String, Object>) t.getValue();
                    String name = t.getKey().toString();
                    Map<String, String> indexes = new TreeMap<>();
                    Object idx = tJson.get("indexes");
                    if (idx instanceof Map) for (Map.Entry<?, ?> i : ((Map<?, ?>) idx).entrySet()) {
                        Object kind = i.getValue() instanceof Map ? ((Map<?, ?>) i.getValue()).get("kind") : null;
                        indexes.put(i.getKey().toString(), kind == null ? LEGACY : kind.toString());
                    }
                    ks.tables.put(name, new Table(ks.name, name, UUID.fromString(tJson.get("id").toString()),
                        Json.str(tJson, "cql", defaultCql(ks.name, name)), false, indexes));
                }
                all.put(ks.name, ks);
            }
        }
        String canonical = Json.write(stored);
        return new Schema(all, UUID.nameUUIDFromBytes(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    private static Map<String, Keyspace> systemKeyspaces() {
        Map<String, Keyspace> out = new TreeMap<>();
        addSystem(out, "system", Map.of("class", "org.apache.cassandra.locator.LocalStrategy"),
            "local", "peers_v2", "compaction_history", "sstable_activity", "size_estimates", "paxos", "batches");
        addSystem(out, "system_schema", Map.of("class", "org.apache.cassandra.locator.LocalStrategy"),
            "keyspaces", "tables", "columns", "types", "indexes", "views", "functions", "aggregates", "triggers",
            "dropped_columns");
        addSystem(out, "system_auth", simple("1"), "roles", "role_members", "role_permissions",
            "resource_role_permissons_index", "network_permissions");
        addSystem(out, "system_distributed", simple("3"), "repair_history", "parent_repair_history",
            "view_build_status");
        addSystem(out, "system_traces", simple("2"), "sessions", "events");
        return out;
    }

    private static Map<String, String> simple(String rf) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("class", "org.apache.cassandra.locator.SimpleStrategy");
        m.put("replication_factor", rf);
        return m;
    }

    private static void addSystem(Map<String, Keyspace> out, String name, Map<String, String> replication, String... tables) {
        Keyspace ks = new Keyspace(name, replication, true);
        for (String t : tables) {
            // Cassandra derives system table IDs from the names (TableId.forSystemTable)
            UUID id = UUID.nameUUIDFromBytes((name + t).getBytes(StandardCharsets.UTF_8));
            ks.tables.put(t, new Table(name, t, id, defaultCql(name, t), true));
        }
        out.put(name, ks);
    }
}
