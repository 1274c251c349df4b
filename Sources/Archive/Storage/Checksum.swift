import Crypto
import Foundation

/// Lower-case hex SHA-256, the form the index records at ingest, the object store verifies and storage keys use.
enum Checksum {
    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func sha256(_ data: Data) -> String { hex(SHA256.hash(data: data)) }
}
