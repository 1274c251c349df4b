/// Where a permission applies: which institutions and exam categories. A user's scope for a permission is
/// the union over the role assignments whose role grants it.
public struct Scope: Sendable, Equatable {
    public var allInstitutions: Bool
    public var institutionIDs: Set<Int>
    public var allCategories: Bool
    public var categoryIDs: Set<Int>

    public init(allInstitutions: Bool = false, institutionIDs: Set<Int> = [], allCategories: Bool = false, categoryIDs: Set<Int> = []) {
        self.allInstitutions = allInstitutions
        self.institutionIDs = institutionIDs
        self.allCategories = allCategories
        self.categoryIDs = categoryIDs
    }

    public static let everything = Scope(allInstitutions: true, allCategories: true)

    public mutating func formUnion(_ other: Scope) {
        allInstitutions = allInstitutions || other.allInstitutions
        institutionIDs.formUnion(other.institutionIDs)
        allCategories = allCategories || other.allCategories
        categoryIDs.formUnion(other.categoryIDs)
    }

    /// Objects without an institution (e.g. the bootstrap admin) are visible only to unscoped grants.
    public func allows(institutionID: Int?) -> Bool {
        allInstitutions || institutionID.map { institutionIDs.contains($0) } ?? false
    }

    public func allows(categoryID: Int?) -> Bool {
        allCategories || categoryID.map { categoryIDs.contains($0) } ?? false
    }
}

/// The authenticated caller of a request: who, through which roles, allowed to do what, where.
public struct Principal: Sendable {
    public let userID: Int
    public let username: String
    public let displayName: String
    public let institutionID: Int?
    public let roles: [RoleRef]
    public let grants: [Permission: Scope]
    public let passwordChangeRequired: Bool
    /// Set for cookie sessions; nil for bearer tokens (which need no CSRF token).
    public let sessionID: String?
    public let csrfToken: String?

    public struct RoleRef: Sendable, Codable, Equatable {
        public let code: String
        public let name: String
    }

    public init(
        userID: Int, username: String, displayName: String, institutionID: Int?, roles: [RoleRef],
        grants: [Permission: Scope], passwordChangeRequired: Bool, sessionID: String?, csrfToken: String?
    ) {
        self.userID = userID
        self.username = username
        self.displayName = displayName
        self.institutionID = institutionID
        self.roles = roles
        self.grants = grants
        self.passwordChangeRequired = passwordChangeRequired
        self.sessionID = sessionID
        self.csrfToken = csrfToken
    }

    public func has(_ permission: Permission) -> Bool { grants[permission] != nil }

    /// The data scope of a permission; empty when it is not granted.
    public func scope(for permission: Permission) -> Scope { grants[permission] ?? Scope() }

    public var permissionCodes: [String] { grants.keys.map(\.rawValue).sorted() }
    public var roleCodes: String { roles.map(\.code).joined(separator: ",") }

    public func require(_ permission: Permission) throws {
        guard has(permission) else { throw DomainError.forbidden() }
    }
}
