import Foundation

/// A controllable clock for session-expiry tests.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()
    func now() -> Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}
