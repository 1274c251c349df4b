import Foundation
import Logging
import Platform
import SQLKit

/// Decides when a study is complete, the one signal other modules key off (the cloud archive uploads complete
/// studies; the reporting worklist and cloud film will follow). Complete when MPPS reports the procedure done and
/// every series it names has arrived with its images, or when nothing arrived for the quiet period. An image that
/// arrives later clears the mark (ingest does), and the study completes again after the next quiet period.
public struct StudyCompletion: Sendable {
    public let database: Database
    public let catalog: ArchiveCatalog
    public let quiet: Duration
    /// Where "study complete" is reported (in the transaction that marks it).
    public var events: ArchiveEvents?
    let logger: Logger

    public init(database: Database, catalog: ArchiveCatalog, quiet: Duration, logger: Logger = Logger(label: "yunying.completion")) {
        self.database = database
        self.catalog = catalog
        self.quiet = quiet
        self.logger = logger
    }

    /// Marks what is complete now; returns the Study Instance UIDs it completed.
    @discardableResult
    public func sweep(limit: Int = 500) async throws -> [String] {
        let cutoff = Timestamp.string(Date().addingTimeInterval(-Double(quiet.components.seconds)))
        let rows = try await database.read { sql in
            try await sql.raw("""
                SELECT s.id, s.study_uid, s.last_received_at, (SELECT p.patient_id FROM patients p WHERE p.id = s.patient_pk) AS patient_id,
                  EXISTS (SELECT 1 FROM performed_procedure_steps m WHERE m.study_uid = s.study_uid AND m.status = 'COMPLETED') AS mpps_done
                FROM studies s WHERE s.completed_at IS NULL AND s.num_instances > 0 ORDER BY s.last_received_at LIMIT \(unsafeRaw: String(limit))
                """).all()
        }
        var completed: [String] = []
        for row in rows {
            let uid = try row.string("study_uid"), last = try row.string("last_received_at")
            let reason: String
            if last <= cutoff {
                reason = "静默 \(quiet.components.seconds / 60) 分钟无新图像"
            } else if (try? row.bool("mpps_done")) == true || (try? row.int("mpps_done")) == 1 {
                let check = try await catalog.completeness(studyUID: uid, scope: .everything, quiet: .zero)
                guard check.state == "complete" else { continue }
                reason = "MPPS 已完成，序列与图像数齐全"
            } else {
                continue
            }
            // Only if nothing arrived since we looked (last_received_at unchanged).
            let now = Timestamp.string()
            let changed = try await database.write { sql in
                let done = try await sql.raw("""
                    UPDATE studies SET completed_at = \(bind: now), completion = \(bind: reason)
                    WHERE id = \(bind: try row.int("id")) AND completed_at IS NULL AND last_received_at = \(bind: last)
                    RETURNING id
                    """).first() != nil
                if done, events != nil {
                    try await ArchiveEvents.record(.studyComplete, studyUID: uid, patientID: try row.string("patient_id"), detail: reason, sql: sql)
                }
                return done
            }
            if changed { completed.append(uid) }
        }
        if !completed.isEmpty { events?.published() }
        if !completed.isEmpty { logger.info("\(completed.count) studies complete") }
        return completed
    }

    public func loop(interval: Duration = .seconds(10), onComplete: @escaping @Sendable ([String]) async -> Void = { _ in }) async {
        while !Task.isCancelled {
            do {
                let done = try await sweep()
                if !done.isEmpty { await onComplete(done) }
                try await events?.prune()
            } catch {
                logger.error("study completion: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
