import Foundation
import Platform
import SQLKit

/// A reader's measurements and annotations on a study (VIEW-19..26): one JSON document per user and study, written by
/// the viewer. The server keeps it opaque apart from size and shape checks; `version` stops two open viewers of the
/// same user from silently overwriting each other.
public struct ViewerAnnotations: Sendable {
    public let database: Database
    public static let maxBytes = 2 * 1024 * 1024

    public init(database: Database) {
        self.database = database
    }

    public struct Document: Codable, Sendable, Equatable {
        public var studyUID: String
        /// The viewer's annotation list (JSON array), `[]` when nothing was drawn yet.
        public var annotations: String
        public var version: Int
        public var updatedAt: String?
    }

    public func get(userID: Int, studyUID: String) async throws -> Document {
        let row = try await database.read { sql in
            try await sql.raw("SELECT document, version, updated_at FROM viewer_annotations WHERE user_id = \(bind: userID) AND study_uid = \(bind: studyUID)").first()
        }
        guard let row else { return Document(studyUID: studyUID, annotations: "[]", version: 0, updatedAt: nil) }
        return Document(studyUID: studyUID, annotations: try row.string("document"), version: try row.int("version"), updatedAt: try row.string("updated_at"))
    }

    /// Saves the list if `version` is the one stored (0 for the first save); returns the new version.
    public func put(userID: Int, studyUID: String, annotations: String, version: Int) async throws -> Document {
        guard annotations.utf8.count <= Self.maxBytes else {
            throw DomainError(status: 413, code: "payload_too_large", zh: "标注数据过大", en: "annotations exceed 2 MB")
        }
        guard let data = annotations.data(using: .utf8), (try? JSONSerialization.jsonObject(with: data)) is [Any] else {
            throw DomainError.validation([FieldError(field: "annotations", code: "invalid", zh: "标注数据应为 JSON 数组", en: "annotations must be a JSON array")])
        }
        let now = Timestamp.string()
        return try await database.write { sql in
            let current = try await sql.raw(
                "SELECT version FROM viewer_annotations WHERE user_id = \(bind: userID) AND study_uid = \(bind: studyUID)").first()?.int("version") ?? 0
            guard current == version else {
                throw DomainError.conflict("version_conflict", "标注已在其他窗口中修改，请刷新后重试", "the annotations changed in another window; reload")
            }
            if current == 0 {
                // Two windows saving the first version at once: the second finds the row and gets the same conflict.
                let inserted = try await sql.raw("""
                    INSERT INTO viewer_annotations (user_id, study_uid, document, version, created_at, updated_at)
                    VALUES (\(bind: userID), \(bind: studyUID), \(bind: annotations), 1, \(bind: now), \(bind: now))
                    ON CONFLICT (user_id, study_uid) DO NOTHING RETURNING id
                    """).first()
                guard inserted != nil else {
                    throw DomainError.conflict("version_conflict", "标注已在其他窗口中修改，请刷新后重试", "the annotations changed in another window; reload")
                }
            } else {
                try await sql.raw("""
                    UPDATE viewer_annotations SET document = \(bind: annotations), version = version + 1, updated_at = \(bind: now)
                    WHERE user_id = \(bind: userID) AND study_uid = \(bind: studyUID)
                    """).run()
            }
            return Document(studyUID: studyUID, annotations: annotations, version: current + 1, updatedAt: now)
        }
    }
}
