import Crypto
import Foundation
import HummingbirdBcrypt

/// Random tokens, their stored digests, and password hashing.
public enum Secrets {
    /// 256 bits from the system CSPRNG, base64url without padding.
    public static func token(bytes: Int = 32) -> String {
        var rng = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &rng) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Tokens are stored only as SHA-256 digests, so a leaked database holds no usable session.
    public static func digest(_ token: String) -> String { sha256Hex(token) }

    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// bcrypt, cost 10 in production; tests lower it through `YUNYING_BCRYPT_COST` to stay fast.
    public static func hashPassword(_ password: String) -> String {
        let cost = ProcessInfo.processInfo.environment["YUNYING_BCRYPT_COST"].flatMap(Int.init) ?? 10
        return Bcrypt.hash(password, cost: UInt8(max(4, min(14, cost))))
    }

    public static func verifyPassword(_ password: String, hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// A readable temporary password that satisfies any sane policy: letters of both cases, digits, a symbol.
    public static func temporaryPassword() -> String {
        let upper = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
        let lower = Array("abcdefghijkmnpqrstuvwxyz")
        let digits = Array("23456789")
        let symbols = Array("#@%+=")
        var rng = SystemRandomNumberGenerator()
        var chars: [Character] = [upper.randomElement(using: &rng)!, symbols.randomElement(using: &rng)!]
        for _ in 0..<5 { chars.append(lower.randomElement(using: &rng)!) }
        for _ in 0..<5 { chars.append(digits.randomElement(using: &rng)!) }
        return String(chars.shuffled(using: &rng))
    }

    /// Compares without leaking the position of the first difference.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
