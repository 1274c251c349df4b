import Foundation
import Logging
import Platform

/// The scheduling module as the server wires it: orders, the slot calendar, the booking engine, exam numbers.
public struct SchedulingServices: Sendable {
    public let orders: OrderService
    public let calendar: SlotCalendar
    public var booking: BookingEngine
    public let numbers: ExamNumbers
    public let documents: OrderDocuments
    public let rules: BookingRules
    /// Days of slots kept made ahead (REG-12).
    public let horizonDays: Int
    let logger: Logger

    public init(database: Database, timeZone: TimeZone, horizonDays: Int, worklist: (any WorklistPublisher)?, documentsRoot: URL,
                logger: Logger = Logger(label: "yunying.scheduling")) {
        orders = OrderService(database: database)
        calendar = SlotCalendar(database: database, timeZone: timeZone)
        booking = BookingEngine(database: database, calendar: calendar)
        booking.worklist = worklist
        rules = BookingRules(database: database)
        booking.rules = rules
        numbers = ExamNumbers(database: database, timeZone: timeZone)
        documents = OrderDocuments(database: database, root: documentsRoot)
        self.horizonDays = horizonDays
        self.logger = logger
    }

    /// Today in the hospital's time zone, `YYYY-MM-DD`.
    public func today(_ now: Date = Date()) -> String { SlotCalendar.format(now, calendar: calendar.calendar) }

    /// Keeps the horizon of slots made and expires holds, every minute.
    public func loop(interval: Duration = .seconds(60)) async {
        var lastGenerated = ""
        while !Task.isCancelled {
            do {
                try await booking.expireHolds()
                let day = today()
                if day != lastGenerated {
                    let made = try await calendar.generate(from: day, days: horizonDays)
                    if made > 0 { logger.info("scheduling: \(made) slots made for the next \(horizonDays) days") }
                    lastGenerated = day
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("scheduling: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
