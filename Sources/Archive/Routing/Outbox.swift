import DICOM
import DICOMNetwork
import Foundation
import Logging
import Platform
import SQLKit
import Synchronization

/// The persistent outbox of DICOM sends (routing, DCM-02). Rows are written in the same transaction that indexes
/// the object, so an acknowledged object is never left unrouted; the dispatcher delivers them with retry and
/// exponential backoff, and after the last attempt keeps them as dead letters for replay.
public struct OutboxItem: Codable, Sendable, Equatable {
    public var id: Int
    public var destination: String
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var studyUID: String
    public var seriesUID: String
    public var ruleId: Int?
    public var status: String
    public var attempts: Int
    public var nextAttemptAt: String
    public var lastError: String
    public var doneAt: String?
    public var createdAt: String
}

public struct DestinationHealth: Codable, Sendable, Equatable {
    public var destination: String
    public var pending: Int
    public var dead: Int
    public var delivered: Int
    public var lastDeliveredAt: String?
    public var lastError: String
    /// "ok", "retrying" (failures being retried) or "failing" (dead letters waiting).
    public var state: String
}

public enum Outbox {
    public static let statuses = ["pending", "sending", "done", "dead"]

    /// Queues the object for each destination. `resend`: a new or replaced object goes out again even if an
    /// earlier copy was delivered; a duplicate that was kept only fills in what is missing.
    static func enqueue(_ routes: [(destination: String, ruleID: Int)], _ r: IndexRecord, resend: Bool, sql: any SQLDatabase) async throws {
        let now = Timestamp.string()
        for route in routes {
            let insert: SQLQueryString = """
                INSERT INTO outbox (destination, sop_uid, sop_class_uid, study_uid, series_uid, rule_id, status, attempts, next_attempt_at,
                  created_at, updated_at)
                VALUES (\(bind: route.destination), \(bind: r.sopInstanceUID), \(bind: r.sopClassUID), \(bind: r.studyUID), \(bind: r.seriesUID),
                        \(bind: route.ruleID), 'pending', 0, \(bind: now), \(bind: now), \(bind: now))
                """
            if resend {
                try await sql.raw(insert + """
                     ON CONFLICT (destination, sop_uid) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at,
                      last_error = '', updated_at = excluded.updated_at
                    """).run()
            } else {
                try await sql.raw(insert + " ON CONFLICT (destination, sop_uid) DO NOTHING").run()
            }
        }
    }

    static func decode(_ row: any SQLRow) throws -> OutboxItem {
        OutboxItem(
            id: try row.int("id"), destination: try row.string("destination"), sopInstanceUID: try row.string("sop_uid"),
            sopClassUID: try row.string("sop_class_uid"), studyUID: try row.string("study_uid"), seriesUID: try row.string("series_uid"),
            ruleId: try row.intOrNil("rule_id"), status: try row.string("status"), attempts: try row.int("attempts"),
            nextAttemptAt: try row.string("next_attempt_at"), lastError: try row.string("last_error"), doneAt: try row.stringOrNil("done_at"),
            createdAt: try row.string("created_at"))
    }
}

/// Delivers the outbox: due rows are claimed, grouped by destination and sent on one association per destination.
public final class RoutingDispatcher: Sendable {
    let database: Database
    let storage: any StorageBackend
    let applicationEntities: ApplicationEntityService
    let activity: DIMSEActivityLog?
    let aeTitle: String
    let options: DICOMClient.Options
    let logger: Logger
    /// First retry after this long, doubling per attempt up to an hour.
    public let retryBase: Duration
    public let maxAttempts: Int
    let poked = Mutex(false)

    public init(database: Database, storage: any StorageBackend, applicationEntities: ApplicationEntityService, activity: DIMSEActivityLog?,
                aeTitle: String, options: DICOMClient.Options, retryBase: Duration = .seconds(30), maxAttempts: Int = 12,
                logger: Logger = Logger(label: "yunying.routing"))
    {
        self.database = database
        self.storage = storage
        self.applicationEntities = applicationEntities
        self.activity = activity
        self.aeTitle = aeTitle
        self.options = options
        self.retryBase = retryBase
        self.maxAttempts = maxAttempts
        self.logger = logger
    }

    /// Something was queued: look now rather than at the next poll.
    public func poke() { poked.withLock { $0 = true } }

    /// Runs until the task is cancelled. Rows a crash left in `sending` go back to `pending` first (the peer may
    /// get such an object twice; DICOM storage of the same SOP Instance UID is idempotent).
    public func run() async {
        do {
            try await database.write { sql in
                try await sql.raw("UPDATE outbox SET status = 'pending' WHERE status = 'sending'").run()
            }
        } catch {
            logger.error("outbox recovery failed: \(error)")
        }
        while !Task.isCancelled {
            do {
                let due = try await claim()
                if due.isEmpty {
                    await sleep(.seconds(1))
                    continue
                }
                await withTaskGroup(of: Void.self) { group in
                    for (destination, items) in Dictionary(grouping: due, by: \.destination) {
                        group.addTask { await self.deliver(items, to: destination) }
                    }
                }
            } catch {
                logger.error("outbox: \(error)")
                await sleep(.seconds(5))
            }
        }
    }

    /// Waits up to `duration`, returning early when `poke` was called (checked every 100 ms: cheap, and quick enough
    /// for routing).
    func sleep(_ duration: Duration) async {
        var waited = Duration.zero
        while waited < duration, !Task.isCancelled {
            if poked.withLock({ p -> Bool in defer { p = false }; return p }) { return }
            try? await Task.sleep(for: .milliseconds(100))
            waited += .milliseconds(100)
        }
    }

    /// Due rows, marked `sending` in the same transaction so a second dispatcher (or loop) cannot take them.
    func claim(limit: Int = 200) async throws -> [OutboxItem] {
        let now = Timestamp.string()
        return try await database.write { sql in
            let rows = try await sql.raw("""
                SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= \(bind: now) ORDER BY id LIMIT \(unsafeRaw: String(limit))
                """).all().map(Outbox.decode)
            guard !rows.isEmpty else { return [] }
            var ids = SQLQueryString("(")
            for (n, item) in rows.enumerated() { ids = ids + (n == 0 ? "" : ", ") + "\(bind: item.id)" }
            try await sql.raw("UPDATE outbox SET status = 'sending', updated_at = \(bind: now) WHERE id IN " + ids + ")").run()
            return rows
        }
    }

    func deliver(_ items: [OutboxItem], to destination: String) async {
        guard let peer = await applicationEntities.address(of: destination) else {
            await fail(items, "目标节点 \(destination) 未登记或已停用")
            return
        }
        // The stored files; an object deleted from the archive since it was queued cannot be sent.
        var files: [(OutboxItem, RetrieveItem)] = []
        for item in items {
            let row: (any SQLRow)?
            do {
                row = try await database.read { sql in
                    try await sql.raw("SELECT storage_path, transfer_syntax FROM instances WHERE sop_uid = \(bind: item.sopInstanceUID)").first()
                }
            } catch {
                await requeue([item])  // the database is closing or busy: not the object's fault
                continue
            }
            guard let row, let path = try? row.string("storage_path"), let url = try? await storage.localFile(for: path) else {
                await finish(item, dead: true, error: "实例已不在归档中")
                continue
            }
            files.append((item, RetrieveItem(file: url, sopClassUID: item.sopClassUID, sopInstanceUID: item.sopInstanceUID,
                                              transferSyntax: (try? row.string("transfer_syntax")) ?? "")))
        }
        guard !files.isEmpty else { return }
        let contexts = DICOMClient.storageContexts(for: files.map { ($0.1.sopClassUID, $0.1.transferSyntax) })
        let info = AssociationInfo(callingAETitle: aeTitle, calledAETitle: destination, peerHost: peer.host)
        let batch = files
        var failure = "连接中断"
        let inFlight = InFlight()
        do {
            try await DICOMClient.withAssociation(to: peer, callingAETitle: aeTitle, contexts: contexts, options: options) { association in
                for (item, file) in batch {
                    let status: UInt16
                    inFlight.set(item.id)
                    do {
                        status = try await association.store(file)
                    } catch DIMSEError.noContext(let what) {
                        await self.fail([item], "对方不接受该类型或传输语法：\(what)")
                        continue
                    }
                    await self.activity?.record(DIMSEActivity(association: info, direction: "out", operation: "C-STORE", sopClassUID: item.sopClassUID,
                                                              status: status, detail: "路由 \(item.sopInstanceUID)"))
                    if DIMSEStatus.kind(status) == .failure {
                        await self.fail([item], "对方返回 \(String(format: "0x%04X", status))：\(DIMSEStatus.chineseText(status))")
                    } else {
                        await self.finish(item, dead: false, error: "")
                    }
                }
            }
        } catch {
            failure = "无法发送到 \(destination)：\(error)"
        }
        // Whatever the association did not get to is retried. Only the object in flight when it broke (or all of them,
        // when no association came up) spends an attempt: a drop at the first object must not use up the others.
        let unsent = await stillSending(batch.map(\.0))
        guard !unsent.isEmpty else { return }
        if Task.isCancelled {
            await requeue(unsent)  // shutting down: the next start sends them
        } else if let current = inFlight.get() {
            await fail(unsent.filter { $0.id == current }, failure)
            await requeue(unsent.filter { $0.id != current })
        } else {
            await fail(unsent, failure)
        }
    }

    /// Back to the queue without counting an attempt.
    func requeue(_ items: [OutboxItem]) async {
        guard !items.isEmpty else { return }
        var ids = SQLQueryString("(")
        for (n, item) in items.enumerated() { ids = ids + (n == 0 ? "" : ", ") + "\(bind: item.id)" }
        let list = ids + ")"
        let now = Timestamp.string()
        try? await database.write { sql in
            try await sql.raw("UPDATE outbox SET status = 'pending', next_attempt_at = \(bind: now), updated_at = \(bind: now) WHERE id IN " + list).run()
        }
    }

    func stillSending(_ items: [OutboxItem]) async -> [OutboxItem] {
        var ids = SQLQueryString("(")
        for (n, item) in items.enumerated() { ids = ids + (n == 0 ? "" : ", ") + "\(bind: item.id)" }
        let list = ids + ")"
        let open = (try? await database.read { sql in
            try await sql.raw("SELECT id FROM outbox WHERE status = 'sending' AND id IN " + list).all().map { try $0.int("id") }
        }) ?? []
        return items.filter { open.contains($0.id) }
    }

    /// A failed attempt: back off exponentially, or give up after `maxAttempts` (dead letter).
    func fail(_ items: [OutboxItem], _ why: String) async {
        for item in items {
            let attempts = item.attempts + 1
            if attempts >= maxAttempts {
                await finish(item, dead: true, error: why, attempts: attempts)
                continue
            }
            let seconds = min(3600, Double(retryBase.components.seconds) * pow(2, Double(attempts - 1)) + Double(retryBase.components.attoseconds) / 1e18)
            let next = Timestamp.string(Date().addingTimeInterval(seconds))
            logger.warning("routing \(item.sopInstanceUID) → \(item.destination) failed (attempt \(attempts)): \(why)")
            try? await database.write { sql in
                try await sql.raw("""
                    UPDATE outbox SET status = 'pending', attempts = \(bind: attempts), next_attempt_at = \(bind: next), last_error = \(bind: why),
                      updated_at = \(bind: Timestamp.string()) WHERE id = \(bind: item.id) AND status = 'sending'
                    """).run()
            }
        }
    }

    func finish(_ item: OutboxItem, dead: Bool, error: String, attempts: Int? = nil) async {
        let now = Timestamp.string()
        try? await database.write { sql in
            try await sql.raw("""
                UPDATE outbox SET status = \(bind: dead ? "dead" : "done"), attempts = \(bind: attempts ?? item.attempts + 1),
                  last_error = \(bind: error), done_at = \(bind: dead ? nil : now), updated_at = \(bind: now) WHERE id = \(bind: item.id) AND status = 'sending'
                """).run()
        }
    }

    // MARK: Views and replay

    public func list(status: String?, destination: String?, page: PageRequest) async throws -> Page<OutboxItem> {
        var filter: SQLQueryString = "1 = 1"
        if let status, !status.isEmpty {
            guard Outbox.statuses.contains(status) else { throw DomainError.badRequest("未知的状态：\(status)", "Unknown status: \(status)") }
            filter = filter + " AND status = \(bind: status)"
        }
        if let destination, !destination.isEmpty { filter = filter + " AND destination = \(bind: destination)" }
        let condition = filter
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM outbox WHERE " + condition)
            let rows = try await sql.raw(
                "SELECT * FROM outbox WHERE " + condition
                    + " ORDER BY id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all().map(Outbox.decode)
            return Page(items: rows, total: total, request: page)
        }
    }

    public func health() async throws -> [DestinationHealth] {
        try await database.read { sql in
            try await sql.raw("""
                SELECT destination,
                  SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END) AS pending,
                  SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead,
                  SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS delivered,
                  SUM(CASE WHEN status = 'pending' AND attempts > 0 THEN 1 ELSE 0 END) AS retrying,
                  MAX(done_at) AS last_done,
                  (SELECT o2.last_error FROM outbox o2 WHERE o2.destination = o.destination AND o2.last_error <> '' ORDER BY o2.updated_at DESC LIMIT 1) AS last_error
                FROM outbox o GROUP BY destination ORDER BY destination
                """).all().map { row in
                let dead = try row.int("dead"), retrying = try row.int("retrying")
                return DestinationHealth(
                    destination: try row.string("destination"), pending: try row.int("pending"), dead: dead, delivered: try row.int("delivered"),
                    lastDeliveredAt: try row.stringOrNil("last_done"), lastError: (try? row.stringOrNil("last_error")) ?? "" ,
                    state: dead > 0 ? "failing" : retrying > 0 ? "retrying" : "ok")
            }
        }
    }

    /// Puts a dead or waiting row back to the front of the queue.
    public func retry(_ id: Int) async throws {
        let changed = try await database.write { sql in
            guard try await sql.raw("SELECT id FROM outbox WHERE id = \(bind: id)").first() != nil else {
                throw DomainError.notFound("发送任务", "Outbox item")
            }
            try await sql.raw("""
                UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(bind: Timestamp.string()), updated_at = \(bind: Timestamp.string())
                WHERE id = \(bind: id) AND status IN ('dead', 'pending')
                """).run()
            return true
        }
        if changed { poke() }
    }

    /// Replays every dead letter (of one destination, or all). Returns how many were queued again.
    public func retryDead(destination: String?) async throws -> Int {
        let now = Timestamp.string()
        var filter: SQLQueryString = "status = 'dead'"
        if let destination, !destination.isEmpty { filter = filter + " AND destination = \(bind: destination)" }
        let condition = filter
        let n = try await database.write { sql in
            let n = try await sql.count("SELECT COUNT(*) AS n FROM outbox WHERE " + condition)
            try await sql.raw("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now), updated_at = \(bind: now) WHERE " + condition).run()
            return n
        }
        poke()
        return n
    }
}

/// The outbox row being sent on an association right now.
final class InFlight: Sendable {
    let id = Mutex<Int?>(nil)
    func set(_ value: Int) { id.withLock { $0 = value } }
    func get() -> Int? { id.withLock { $0 } }
}
