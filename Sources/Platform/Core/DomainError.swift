import Foundation

/// A user-facing failure: a stable machine code, an HTTP status, and a message in Chinese and English.
/// Domain services throw these; the HTTP layer renders `{"error":{"code","message","fields"}}`.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var zh: String
    public var en: String
    public var fields: [FieldError]

    public init(status: Int, code: String, zh: String, en: String, fields: [FieldError] = []) {
        self.status = status
        self.code = code
        self.zh = zh
        self.en = en
        self.fields = fields
    }

    public var description: String { "\(status) \(code): \(en)" }

    public func message(english: Bool) -> String { english ? en : zh }

    public static func notFound(_ zhWhat: String, _ enWhat: String) -> DomainError {
        DomainError(status: 404, code: "not_found", zh: "\(zhWhat)不存在或已删除", en: "\(enWhat) not found")
    }
    public static func badRequest(_ zh: String, _ en: String) -> DomainError {
        DomainError(status: 400, code: "bad_request", zh: zh, en: en)
    }
    public static func conflict(_ code: String, _ zh: String, _ en: String) -> DomainError {
        DomainError(status: 409, code: code, zh: zh, en: en)
    }
    public static func forbidden(_ zh: String = "您没有执行此操作的权限", _ en: String = "You do not have permission for this action")
        -> DomainError
    {
        DomainError(status: 403, code: "forbidden", zh: zh, en: en)
    }
    public static let unauthenticated = DomainError(
        status: 401, code: "unauthenticated", zh: "请先登录", en: "Please sign in")
    public static func validation(_ fields: [FieldError]) -> DomainError {
        DomainError(
            status: 422, code: "validation_failed",
            zh: fields.first.map { $0.zh } ?? "提交的内容有误，请检查", en: fields.first.map { $0.en } ?? "Invalid input",
            fields: fields)
    }
}

/// One invalid field of a submitted form.
public struct FieldError: Sendable, Equatable {
    public var field: String
    public var code: String
    public var zh: String
    public var en: String
    public init(field: String, code: String, zh: String, en: String) {
        self.field = field
        self.code = code
        self.zh = zh
        self.en = en
    }
}

/// Collects field errors during validation and throws them together.
public struct Validator {
    public var errors: [FieldError] = []
    public init() {}

    public mutating func add(_ field: String, _ code: String, _ zh: String, _ en: String) {
        errors.append(FieldError(field: field, code: code, zh: zh, en: en))
    }

    /// Trims and checks a text value; returns nil for empty optional values.
    public mutating func text(_ value: String?, field: String, label: (zh: String, en: String), required: Bool, maxLength: Int)
        -> String?
    {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { add(field, "required", "请填写\(label.zh)", "\(label.en) is required") }
            return nil
        }
        if trimmed.count > maxLength {
            add(field, "too_long", "\(label.zh)不能超过 \(maxLength) 个字符", "\(label.en) must be at most \(maxLength) characters")
        }
        return trimmed
    }

    public func check() throws {
        if !errors.isEmpty { throw DomainError.validation(errors) }
    }
}
