import Foundation
import Platform
import SQLKit
import Synchronization

/// Index writes from concurrent associations share transactions: while one commit (and its fsync) runs, the next
/// requests queue up and go together in the following transaction. Each caller still returns only after its own
/// work has committed. If a shared transaction fails, its jobs are retried one by one, so one bad record fails
/// alone.
final class GroupCommit: Sendable {
    struct Job: Sendable {
        let work: @Sendable (any SQLDatabase) async throws -> any Sendable
        let done: CheckedContinuation<any Sendable, Error>
    }

    let database: Database
    let state = Mutex<(jobs: [Job], draining: Bool)>(([], false))

    init(database: Database) { self.database = database }

    /// Runs `work` in a (possibly shared) transaction and returns its result once that transaction has committed.
    func run<T: Sendable>(_ work: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (done: CheckedContinuation<any Sendable, Error>) in
            let start = state.withLock { s -> Bool in
                s.jobs.append(Job(work: work, done: done))
                if s.draining { return false }
                s.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
        return result as! T  // the job ran `work`, which returns a T
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
                let results = try await database.write { sql in
                    var results: [any Sendable] = []
                    for job in jobs { results.append(try await job.work(sql)) }
                    return results
                }
                for (job, result) in zip(jobs, results) { job.done.resume(returning: result) }
            } catch {
                for job in jobs {
                    do {
                        job.done.resume(returning: try await database.write { try await job.work($0) })
                    } catch {
                        job.done.resume(throwing: error)
                    }
                }
            }
        }
    }
}

