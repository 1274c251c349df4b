import Foundation
import Platform
import TestSupport
import Testing

struct DatabaseTests {
    @Test("a caller cancelled in the middle of a write cannot leave the connection inside a transaction", arguments: TestEngine.available)
    func cancelledWrite(engine: TestEngine) async throws {
        try await withDatabase(engine, seed: false) { db in
            let slow = Task {
                try await db.write { sql in
                    try await Task.sleep(for: .milliseconds(200))
                    try await sql.raw("SELECT 1 AS one").run()
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            slow.cancel()
            _ = try? await slow.value
            for _ in 0..<3 {
                try await db.write { try await $0.raw("SELECT 1 AS one").run() }
            }
        }
    }
}
