package daedalus.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Node-to-node requests through the cluster dir (our stand-in for internode messaging, used by truncate):
 * the sender drops `<cluster>/inbox/<hostId>/<id>.req`; the receiver answers in `<id>.done`.
 */
final class Inbox {
    private final Path root;

    Inbox(Path clusterDir) {
        this.root = clusterDir.resolve("inbox");
    }

    final class Pending {
        final Path done;
        final Path request;

        Pending(Path request, Path done) {
            this.request = request;
            this.done = done;
        }

        /** The answer, or null when none came before `deadline` (epoch millis). */
        Map<String, Object> await(long deadline) {
            while (System.currentTimeMillis() < deadline) {
                String text = Files2.readOrNull(done);
                if (text != null) {
                    try {
                        Files.deleteIfExists(done);
                    } catch (IOException e) {
                        // left for the next cleanup
                    }
                    return Json.parseObject(text);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            try {
                Files.deleteIfExists(request);
            } catch (IOException e) {
                // nothing more to do
            }
            return null;
        }
    }

    Pending send(UUID to, Map<String, Object> request) {
        Path dir = root.resolve(to.toString());
        String id = UUID.randomUUID().toString();
        Path req = dir.resolve(id + ".req");
        Files2.writeAtomic(req, Json.write(request));
        return new Pending(req, dir.resolve(id + ".done"));
    }

    void serve(UUID self, Function<Map<String, Object>, Map<String, Object>> handler) {
        Path dir = root.resolve(self.toString());
        for (Path p : Files2.list(dir)) {
            String name = p.getFileName().toString();
            if (!name.endsWith(".req")) continue;
            String text = Files2.readOrNull(p);
            if (text == null) continue;
            Map<String, Object> answer;
            try {
                answer = handler.apply(Json.parseObject(text));
            } catch (RuntimeException e) {
                answer = Map.of("ok", false, "error", String.valueOf(e.getMessage()));
            }
            Files2.writeAtomic(dir.resolve(name.replace(".req", ".done")), Json.write(answer));
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // served already; a repeat would be harmless
            }
        }
    }
}
