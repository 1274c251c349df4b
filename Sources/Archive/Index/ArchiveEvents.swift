import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// What happened to a study, for the modules that act on it (reporting worklist, cloud film, integrations).
public struct ArchiveEvent: Codable, Sendable, Equatable {
    public var id: Int
    public var kind: String
    public var studyUID: String
    public var patientId: String
    public var detail: String
    public var createdAt: String
}

/// The archive's event log (issue #5 "events for other modules"): a row per event, written in the same
/// transaction as the change it reports, so an event is never lost or reported for a change that rolled back.
/// Consumers read after a cursor; a named consumer keeps its cursor in the database and gets every event at least
/// once across restarts. Writers wake in-process readers, so a consumer reacts within a moment without polling
/// the database while nothing happens.
public final class ArchiveEvents: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        /// The first object of a study was indexed.
        case studyArrived = "study.arrived"
        /// The study is complete (MPPS or quiet period): the one signal the reporting worklist and cloud film use.
        case studyComplete = "study.complete"
        /// The study was linked to its exam (by a rule, automatic registration or a person).
        case studyMatched = "study.matched"
    }

    public let database: Database
    /// Bumped by every writer after its commit; readers wait for it to move.
    private let generation = Atomic<Int>(0)
    let logger: Logger
    /// Events are kept this long (days), then pruned.
    public let retentionDays: Int

    public init(database: Database, retentionDays: Int = 30, logger: Logger = Logger(label: "yunying.events")) {
        self.database = database
        self.retentionDays = retentionDays
        self.logger = logger
    }

    /// Adds an event inside the caller's transaction; call `published()` after that transaction commits.
    public static func record(_ kind: Kind, studyUID: String, patientID: String, detail: String = "", sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO archive_events (kind, study_uid, patient_id, detail, created_at)
            VALUES (\(bind: kind.rawValue), \(bind: studyUID), \(bind: patientID), \(bind: detail), \(bind: Timestamp.string()))
            """).run()
    }

    /// Wakes readers waiting for new events.
    public func published() {
        generation.add(1, ordering: .releasing)
    }

    /// Events after `cursor`, oldest first, of the given kinds (all when empty), limited to studies in `scope`.
    public func list(after cursor: Int, kinds: [String] = [], limit: Int = 100, scope: Scope = .everything) async throws -> [ArchiveEvent] {
        var filter: SQLQueryString = "e.id > \(bind: cursor)"
        if !kinds.isEmpty {
            var list = SQLQueryString(" AND e.kind IN (")
            for (n, k) in kinds.enumerated() { list = list + (n == 0 ? "" : ", ") + "\(bind: k)" }
            filter = filter + list + ")"
        }
        if !(scope.allInstitutions) {
            filter = filter + " AND EXISTS (SELECT 1 FROM studies s WHERE s.study_uid = e.study_uid AND" + ArchiveQueryService.scopeFilter(scope) + ")"
        }
        let bounded = max(1, min(limit, 1000))
        let condition = filter
        return try await database.read { sql in
            try await sql.raw("SELECT e.* FROM archive_events e WHERE " + condition + " ORDER BY e.id LIMIT \(unsafeRaw: String(bounded))").all().map {
                ArchiveEvent(id: try $0.int("id"), kind: try $0.string("kind"), studyUID: try $0.string("study_uid"),
                             patientId: try $0.string("patient_id"), detail: try $0.string("detail"), createdAt: try $0.string("created_at"))
            }
        }
    }

    /// Like `list`, but when nothing is there yet waits up to `timeout` for a writer (long polling). Another server
    /// process writing to the same PostgreSQL database is seen by the once-a-second look at the table.
    public func wait(after cursor: Int, kinds: [String] = [], limit: Int = 100, scope: Scope = .everything, timeout: Duration) async throws
        -> [ArchiveEvent]
    {
        let deadline = ContinuousClock.now + timeout
        var seen = generation.load(ordering: .acquiring)
        var lastLook = ContinuousClock.now
        while true {
            let events = try await list(after: cursor, kinds: kinds, limit: limit, scope: scope)
            if !events.isEmpty || ContinuousClock.now >= deadline { return events }
            lastLook = ContinuousClock.now
            while ContinuousClock.now < deadline, generation.load(ordering: .acquiring) == seen, ContinuousClock.now - lastLook < .seconds(1) {
                try await Task.sleep(for: .milliseconds(50))
            }
            seen = generation.load(ordering: .acquiring)
        }
    }

    // MARK: Named consumers

    /// The consumer's cursor (0 before its first event).
    public func cursor(of consumer: String) async throws -> Int {
        try await database.read { sql in
            try await sql.raw("SELECT last_id FROM event_cursors WHERE consumer = \(bind: consumer)").first()?.int("last_id") ?? 0
        }
    }

    /// One pass: hands the events after the consumer's cursor to `handler` and, when it returns, moves the cursor
    /// past them. A handler that throws sees the same events again next time (at least once).
    @discardableResult
    public func consume(_ consumer: String, kinds: [String] = [], batch: Int = 100, waiting timeout: Duration = .zero,
                        handler: ([ArchiveEvent]) async throws -> Void) async throws -> Int {
        let cursor = try await self.cursor(of: consumer)
        let events = timeout == .zero
            ? try await list(after: cursor, kinds: kinds, limit: batch) : try await wait(after: cursor, kinds: kinds, limit: batch, timeout: timeout)
        guard let last = events.last else { return 0 }
        try await handler(events)
        try await database.write { sql in
            try await sql.raw("""
                INSERT INTO event_cursors (consumer, last_id, updated_at) VALUES (\(bind: consumer), \(bind: last.id), \(bind: Timestamp.string()))
                ON CONFLICT (consumer) DO UPDATE SET last_id = excluded.last_id, updated_at = excluded.updated_at
                """).run()
        }
        return events.count
    }

    /// Removes events older than the retention period; returns how many.
    @discardableResult
    public func prune(now: Date = Date()) async throws -> Int {
        let cutoff = Timestamp.string(now.addingTimeInterval(-Double(retentionDays) * 86_400))
        return try await database.write { sql in
            try await sql.raw("DELETE FROM archive_events WHERE created_at < \(bind: cutoff) RETURNING id").all().count
        }
    }
}
