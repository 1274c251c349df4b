import Foundation
import Logging
import PostgresKit
import SQLKit
import SQLiteKit

/// The engines Yunying runs on. Code above the data layer sees only `any SQLDatabase`; the few places
/// where SQL differs (DDL types, case-insensitive matching) ask the engine.
public enum DatabaseEngine: String, Sendable {
    case sqlite
    case postgres
}

/// One handle to the data store. All access goes through `read`/`write`, each handing a body one
/// `SQLDatabase`; `write` runs the body in a transaction.
///
/// SQLite runs on one connection, so every access is serialized by an async lock: otherwise a transaction
/// on the shared connection would swallow statements of unrelated requests. SQLite serializes writers
/// anyway; for load, PostgreSQL is the answer. PostgreSQL uses a pool and a connection per call.
public final class Database: Sendable {
    public let engine: DatabaseEngine
    private let backend: Backend
    private let lock = AsyncLock()

    private enum Backend: Sendable {
        case sqlite(SQLiteConnection)
        case postgres(PostgresClient, Task<Void, Never>)
    }

    private init(engine: DatabaseEngine, backend: Backend) {
        self.engine = engine
        self.backend = backend
    }

    /// Opens the database named by the config: `postgres://…` or the SQLite file in the data directory.
    public static func open(config: YunyingConfig, logger: Logger) async throws -> Database {
        if let url = config.databaseURL, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return try openPostgres(url: url, logger: logger)
        }
        if let url = config.databaseURL, !url.hasPrefix("sqlite:") {
            throw ConfigError.invalid("YUNYING_DATABASE_URL", url)
        }
        let path =
            config.databaseURL.map { String($0.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: "") }
            ?? config.sqlitePath
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return try await openSQLite(path: path, logger: logger)
    }

    /// SQLite at a file path, or in memory when `path` is nil (tests).
    public static func openSQLite(path: String?, logger: Logger = Logger(label: "yunying.db")) async throws -> Database {
        let connection = try await SQLiteConnection.open(storage: path.map { .file(path: $0) } ?? .memory, logger: logger)
        let sql = connection.sql()
        if path != nil { try await sql.raw("PRAGMA journal_mode=WAL").run() }
        try await sql.raw("PRAGMA foreign_keys=ON").run()
        try await sql.raw("PRAGMA busy_timeout=5000").run()
        try await sql.raw("PRAGMA synchronous=FULL").run()
        return Database(engine: .sqlite, backend: .sqlite(connection))
    }

    public static func openPostgres(url: String, logger: Logger = Logger(label: "yunying.db")) throws -> Database {
        guard let u = URLComponents(string: url), let host = u.host, !host.isEmpty else {
            throw ConfigError.invalid("YUNYING_DATABASE_URL", url)
        }
        let database = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        let tls: PostgresClient.Configuration.TLS =
            u.queryItems?.first(where: { $0.name == "sslmode" })?.value == "require"
            ? .require(.makeClientConfiguration()) : .disable
        let client = PostgresClient(
            configuration: .init(
                host: host, port: u.port ?? 5432, username: u.user?.removingPercentEncoding ?? "postgres",
                password: u.password?.removingPercentEncoding, database: database.isEmpty ? nil : database, tls: tls),
            backgroundLogger: logger)
        let runner = Task { await client.run() }
        return Database(engine: .postgres, backend: .postgres(client, runner))
    }

    /// Runs `body` outside a transaction (reads, single statements).
    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let connection):
            return try await lock.withLock { try await body(connection.sql()) }
        case .postgres(let client, _):
            return try await client.withConnection { try await body($0.sql()) }
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    ///
    /// The transaction runs in a task of its own, so cancelling the caller (an association that ends, a request whose
    /// client went away) cannot stop it between BEGIN and COMMIT/ROLLBACK: a cancelled ROLLBACK would leave the one
    /// SQLite connection inside a transaction, and every later write would fail.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let backend = backend
        let lock = lock
        return try await Task {
            switch backend {
            case .sqlite(let connection):
                return try await lock.withLock { try await Self.transaction(connection.sql(), body) }
            case .postgres(let client, _):
                return try await client.withConnection { try await Self.transaction($0.sql(), body) }
            }
        }.value
    }

    private static func transaction<T: Sendable>(
        _ sql: any SQLDatabase, _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await sql.raw("BEGIN").run()
        do {
            let result = try await body(sql)
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }

    public func close() async {
        switch backend {
        case .sqlite(let connection):
            try? await connection.close()
        case .postgres(_, let runner):
            runner.cancel()
            _ = await runner.value
        }
    }

    /// `SELECT 1` for the readiness probe.
    public func ping() async throws {
        _ = try await read { try await $0.raw("SELECT 1 AS one").all() }
    }
}

/// A FIFO async mutex. Not reentrant: a body must not call `read`/`write` again.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked {
            locked = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }

    nonisolated func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await lock()
        do {
            let result = try await body()
            await unlock()
            return result
        } catch {
            await unlock()
            throw error
        }
    }
}
