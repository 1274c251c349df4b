import SQLKit

/// Typed column access that treats SQL NULL uniformly on both engines.
extension SQLRow {
    public func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    public func intOrNil(_ column: String) throws -> Int? {
        try decodeNil(column: column) ? nil : decode(column: column, as: Int.self)
    }
    public func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    public func stringOrNil(_ column: String) throws -> String? {
        try decodeNil(column: column) ? nil : decode(column: column, as: String.self)
    }
    public func bool(_ column: String) throws -> Bool { try decode(column: column, as: Bool.self) }
    public func doubleOrNil(_ column: String) throws -> Double? {
        try decodeNil(column: column) ? nil : decode(column: column, as: Double.self)
    }
}

extension SQLDatabase {
    /// `SELECT COUNT(*)` style helper: the first row's `n` column.
    public func count(_ query: SQLQueryString) async throws -> Int {
        try await raw(query).first()?.int("n") ?? 0
    }
}

/// Page request with the limits every list endpoint shares.
public struct PageRequest: Sendable, Equatable {
    public let page: Int
    public let pageSize: Int
    public init(page: Int? = nil, pageSize: Int? = nil) {
        self.page = max(1, page ?? 1)
        self.pageSize = min(200, max(1, pageSize ?? 20))
    }
    public var offset: Int { (page - 1) * pageSize }
}

public struct Page<Item: Sendable & Encodable>: Sendable, Encodable {
    public let items: [Item]
    public let total: Int
    public let page: Int
    public let pageSize: Int
    public init(items: [Item], total: Int, request: PageRequest) {
        self.items = items
        self.total = total
        self.page = request.page
        self.pageSize = request.pageSize
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern and wraps it for substring search.
public func likePattern(_ text: String) -> String {
    var out = "%"
    for c in text.lowercased() {
        if c == "%" || c == "_" || c == "\\" { out.append("\\") }
        out.append(c)
    }
    return out + "%"
}

/// SQL text assembled from identifiers that come from code (table and column names of the catalogue),
/// never from a request. Values always go in as binds.
func rawSQL(_ text: String) -> SQLQueryString { SQLQueryString(text) }
