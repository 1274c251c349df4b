import Foundation
import Platform
import SQLKit
import Synchronization

/// Index writes from concurrent associations share transactions: while one commit (and its fsync) runs, the next
/// requests queue up and go together in the following transaction. Each caller still returns only after its own
/// work has committed. If a shared transaction fails, its jobs are retried one by one, so one bad record fails
/// alone.
final class GroupCommit: Sendable {
    typealias Work = @Sendable (any SQLDatabase) async throws -> Void
    struct Job: Sendable {
        let work: Work
        let done: CheckedContinuation<Void, Error>
    }

    /// Runs `work` in a (possibly shared) transaction and returns its result once that transaction has committed.
    func run<T: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let result = Shared<T?>(nil)
        try await run { sql in
            let value = try await work(sql)
            result.set(value)
        }
        return result.get()!
    }

    let database: Database
    let state = Mutex<(jobs: [Job], draining: Bool)>(([], false))

    init(database: Database) { self.database = database }

    func run(_ work: @escaping Work) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
            let start = state.withLock { s -> Bool in
                s.jobs.append(Job(work: work, done: done))
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            let jobs = state.withLock { s -> [Job] in
                let taken = s.jobs
                s.jobs = []
                if taken.isEmpty { s.draining = false }
                return taken
            }
            if jobs.isEmpty { return }
            do {
                try await database.write { sql in
                    for job in jobs { try await job.work(sql) }
                }
                for job in jobs { job.done.resume() }
            } catch {
                for job in jobs {
                    do {
                        try await database.write { try await job.work($0) }
                        job.done.resume()
                    } catch {
                        job.done.resume(throwing: error)
                    }
                }
            }
        }
    }
}

/// A value set by a job (possibly more than once, when a shared transaction is retried) and read after commit.
final class Shared<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ initial: T) { value = Mutex(initial) }
    func set(_ new: T) { value.withLock { $0 = new } }
    func get() -> T { value.withLock { $0 } }
}
