package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * `--schema FILE`: keyspaces and tables created at start, with IF NOT EXISTS semantics so every node of a
 * cluster can be given the same file. Two forms (see README): JSON
 * `{"keyspaces":[{"name":"ks","replication":{...},"tables":["t1",{"name":"t2","cql":"CREATE TABLE ..."}]}]}`
 * or CQL: `CREATE KEYSPACE ... WITH replication = {...};` and `CREATE TABLE ks.t (...) [WITH ...];` statements.
 */
final class SchemaFile {
    private static final Pattern CREATE_KEYSPACE = Pattern.compile(
        "(?is)^CREATE\\s+KEYSPACE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\"?(\\w+)\"?\\s+WITH\\s+replication\\s*=\\s*(\\{[^}]*\\}).*$");
    private static final Pattern CREATE_TABLE = Pattern.compile(
        "(?is)^CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\"?(\\w+)\"?\\.\"?(\\w+)\"?\\s*\\(.*$");

    private SchemaFile() {}

    static void apply(Node node, Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SimulatorControl control = new SimulatorControl(node);
        if (text.trim().startsWith("{")) {
            Map<String, Object> json = Json.parseObject(text);
            for (Object o : (List<?>) json.get("keyspaces")) {
                @SuppressWarnings("unchecked")
                Map<String, Object> ks = (Map<String, Object>) o;
                String name = ks.get("name").toString();
                control.createKeyspaceIfNotExists(name, Json.write(ks.get("replication")));
                Object tables = ks.get("tables");
                if (tables instanceof List) for (Object t : (List<?>) tables) {
                    if (t instanceof Map) {
                        Map<?, ?> tm = (Map<?, ?>) t;
                        Object cql = tm.get("cql");
                        control.createTableIfNotExists(name, tm.get("name").toString(), cql == null ? null : cql.toString());
                    } else {
                        control.createTableIfNotExists(name, t.toString(), null);
                    }
                }
            }
            return;
        }
        for (String raw : text.split(";")) {
            String stmt = raw.replaceAll("(?m)--.*$", "").trim();
            if (stmt.isEmpty()) continue;
            Matcher ks = CREATE_KEYSPACE.matcher(stmt);
            Matcher table = CREATE_TABLE.matcher(stmt);
            if (ks.matches()) {
                control.createKeyspaceIfNotExists(ks.group(1), cqlMapToJson(ks.group(2)));
            } else if (table.matches()) {
                control.createTableIfNotExists(table.group(1), table.group(2), stmt);
            } else {
                throw new IllegalArgumentException("unsupported statement in schema file: " + stmt);
            }
        }
    }

    /** `{'class': 'SimpleStrategy', 'replication_factor': 3}` to JSON. */
    static String cqlMapToJson(String cql) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("'([^']*)'\\s*:\\s*'?([^',}]*)'?").matcher(cql);
        while (m.find()) out.put(m.group(1), m.group(2).trim());
        return Json.write(out);
    }
}
