import Foundation
import Platform
import SQLKit
import TestSupport
import Testing

@Suite("Audit trail")
struct AuditTests {
    func fill(_ log: AuditLog, count: Int) async throws {
        for i in 0..<count {
            try await log.record(
                AuditEvent(action: "study.view", objectType: "study", objectID: "1.2.3.\(i)", patientID: "P\(i % 3)"),
                by: AuditActor(userID: 7, username: "doctor", roles: "attending", clientIP: "10.0.0.\(i)"))
        }
    }

    @Test("the chain verifies, and an altered record is found", arguments: TestEngine.available)
    func tamperedContent(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let log = AuditLog(database: db)
            try await fill(log, count: 10)
            let ok = try await log.verify()
            #expect(ok.ok && ok.records >= 10)
            let victim = try await db.read { try await $0.raw("SELECT id FROM audit_log WHERE object_id = '1.2.3.5'").first()!.int("id") }
            try await db.write { try await $0.raw("UPDATE audit_log SET username = 'someone-else' WHERE id = \(bind: victim)").run() }
            let broken = try await log.verify()
            #expect(!broken.ok)
            #expect(broken.brokenAt == victim)
        }
    }

    @Test("a deleted record breaks the link of the next one", arguments: TestEngine.available)
    func deletedRecord(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let log = AuditLog(database: db)
            try await fill(log, count: 6)
            let ids = try await db.read { try await $0.raw("SELECT id FROM audit_log ORDER BY id").all().map { try $0.int("id") } }
            try await db.write { try await $0.raw("DELETE FROM audit_log WHERE id = \(bind: ids[3])").run() }
            let broken = try await log.verify()
            #expect(!broken.ok && broken.brokenAt == ids[4])
        }
    }

    @Test("search filters by user, patient, action, outcome and time", arguments: TestEngine.available)
    func search(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let log = AuditLog(database: db)
            try await Task.sleep(for: .milliseconds(5))
            let start = Timestamp.string(Date())
            try await fill(log, count: 9)
            try await log.record(AuditEvent(action: "user.create", outcome: .denied), by: AuditActor(userID: 1, username: "admin"))
            #expect(try await log.search(AuditQuery(patientID: "P1"), page: PageRequest()).total == 3)
            #expect(try await log.search(AuditQuery(username: "DOCTOR", action: "study."), page: PageRequest()).total == 9)
            #expect(try await log.search(AuditQuery(outcome: "denied"), page: PageRequest()).items.first?.action == "user.create")
            #expect(try await log.search(AuditQuery(from: start), page: PageRequest()).total == 10)
            #expect(try await log.search(AuditQuery(to: "2000-01-01"), page: PageRequest()).total == 0)
            let page = try await log.search(AuditQuery(username: "doctor"), page: PageRequest(page: 2, pageSize: 4))
            #expect(page.items.count == 4 && page.total == 9 && page.items.first!.id > page.items.last!.id)
        }
    }

    @Test("concurrent writers keep one unbroken chain", arguments: TestEngine.available)
    func concurrent(engine: TestEngine) async throws {
        try await withDatabase(engine) { db in
            let log = AuditLog(database: db)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for w in 0..<4 {
                    group.addTask {
                        for i in 0..<10 {
                            try await log.record(AuditEvent(action: "w\(w).\(i)"), by: AuditActor(username: "u\(w)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await log.verify()
            #expect(result.ok && result.records >= 40)
        }
    }
}
