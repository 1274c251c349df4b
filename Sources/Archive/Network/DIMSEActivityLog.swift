import DICOM
import DICOMNetwork
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// Recent DIMSE exchanges, for the "recent activity" page: what came in and went out, with the status in plain
/// Chinese. Keeps the newest `keep` rows.
public final class DIMSEActivityLog: DIMSEActivitySink {
    let database: Database
    let logger: Logger
    let keep: Int
    let inserts = Mutex(0)

    public init(database: Database, keep: Int = 20_000, batchDelay: Duration = .milliseconds(250),
                logger: Logger = Logger(label: "yunying.dicom")) {
        self.database = database
        self.keep = keep
        self.batchDelay = batchDelay
        self.logger = logger
    }

    public struct Entry: Sendable, Codable, Equatable {
        public var id: Int
        public var at: String
        public var associationId: String
        public var direction: String
        public var operation: String
        public var callingAETitle: String
        public var calledAETitle: String
        public var peerHost: String
        public var sopClassUID: String
        public var sopClassName: String
        public var status: Int
        public var statusHex: String
        public var statusKind: String
        public var statusText: String
        public var detail: String
    }

    /// Rows wait here and are written together: one transaction (one flush of the database) per batch instead of
    /// one per C-STORE, so the log never competes with the index for the disk while images arrive.
    let pending = Mutex<(rows: [DIMSEActivity], scheduled: Bool)>(([], false))
    /// How long a row may wait before it is written.
    let batchDelay: Duration

    public func record(_ a: DIMSEActivity) async {
        if DIMSEStatus.kind(a.status) == .failure {
            logger.warning("\(a.operation) \(a.callingAETitle)→\(a.calledAETitle) status \(String(format: "0x%04X", a.status)): \(a.detail)")
        }
        let schedule = pending.withLock { p -> Bool in
            p.rows.append(a)
            defer { p.scheduled = true }
            return !p.scheduled
        }
        guard schedule else { return }
        let delay = batchDelay
        Task {
            try? await Task.sleep(for: delay)
            await self.flush()
        }
    }

    /// Writes every waiting row now (the list below calls it, so a page always shows what has happened).
    public func flush() async {
        let rows = pending.withLock { p -> [DIMSEActivity] in
            defer { p = ([], false) }
            return p.rows
        }
        guard !rows.isEmpty else { return }
        do {
            try await database.write { sql in
                for a in rows {
                    try await sql.raw("""
                        INSERT INTO dimse_activity (at, association_id, direction, operation, calling_ae, called_ae, peer_host, sop_class_uid, status, detail)
                        VALUES (\(bind: Timestamp.string(a.at)), \(bind: a.associationID), \(bind: a.direction), \(bind: a.operation),
                                \(bind: a.callingAETitle), \(bind: a.calledAETitle), \(bind: a.peerHost), \(bind: a.sopClassUID),
                                \(bind: Int(a.status)), \(bind: String(a.detail.prefix(500))))
                        """).run()
                }
            }
            let prune = inserts.withLock { n -> Bool in
                let before = n / 500
                n += rows.count
                return n / 500 != before
            }
            if prune {
                let keep = keep
                try await database.write { sql in
                    try await sql.raw("""
                        DELETE FROM dimse_activity WHERE id <= (SELECT id FROM dimse_activity ORDER BY id DESC LIMIT 1 OFFSET \(unsafeRaw: String(keep)))
                        """).run()
                }
            }
        } catch {
            logger.error("cannot record \(rows.count) DIMSE activity rows: \(error)")
        }
    }

    public func list(aeTitle: String?, failuresOnly: Bool, page: PageRequest) async throws -> Page<Entry> {
        var filter: SQLQueryString = "1 = 1"
        if let ae = aeTitle?.trimmingCharacters(in: .whitespaces), !ae.isEmpty {
            filter = filter + " AND (calling_ae = \(bind: ae) OR called_ae = \(bind: ae))"
        }
        await flush()
        if failuresOnly { filter = filter + " AND status NOT IN (0, 65280, 65281)" }
        let condition = filter
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM dimse_activity WHERE " + condition)
            let rows = try await sql.raw(
                "SELECT * FROM dimse_activity WHERE " + condition
                    + " ORDER BY id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            let items = try rows.map { row -> Entry in
                let status = UInt16(truncatingIfNeeded: try row.int("status"))
                let sop = try row.string("sop_class_uid")
                return Entry(
                    id: try row.int("id"), at: try row.string("at"), associationId: try row.string("association_id"),
                    direction: try row.string("direction"), operation: try row.string("operation"), callingAETitle: try row.string("calling_ae"),
                    calledAETitle: try row.string("called_ae"), peerHost: try row.string("peer_host"), sopClassUID: sop,
                    sopClassName: UIDDictionary.name(for: sop), status: Int(status), statusHex: String(format: "0x%04X", status),
                    statusKind: DIMSEStatus.kind(status).rawValue, statusText: DIMSEStatus.chineseText(status), detail: try row.string("detail"))
            }
            return Page(items: items, total: total, request: page)
        }
    }
}
