/// A transfer syntax: how a dataset's bytes are laid out (VR explicit or not, byte order, deflate,
/// encapsulated pixel data).
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    public let uid: String
    public let explicitVR: Bool
    public let littleEndian: Bool
    public let deflated: Bool
    public let encapsulated: Bool
    public let lossy: Bool
    public let name: String

    public var description: String { "\(name) [\(uid)]" }

    public static let implicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2", explicitVR: false, littleEndian: true, deflated: false, encapsulated: false, lossy: false,
        name: "Implicit VR Little Endian")
    public static let explicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1", explicitVR: true, littleEndian: true, deflated: false, encapsulated: false, lossy: false,
        name: "Explicit VR Little Endian")
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.1.99", explicitVR: true, littleEndian: true, deflated: true, encapsulated: false, lossy: false,
        name: "Deflated Explicit VR Little Endian")
    public static let explicitVRBigEndian = TransferSyntax(
        uid: "1.2.840.10008.1.2.2", explicitVR: true, littleEndian: false, deflated: false, encapsulated: false, lossy: false,
        name: "Explicit VR Big Endian (retired)")

    static func compressed(_ uid: String, _ name: String, lossy: Bool) -> TransferSyntax {
        TransferSyntax(uid: uid, explicitVR: true, littleEndian: true, deflated: false, encapsulated: true, lossy: lossy, name: name)
    }

    public static let jpegBaseline = compressed("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", lossy: true)
    public static let jpegExtended = compressed("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", lossy: true)
    public static let jpegLossless = compressed("1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)", lossy: false)
    public static let jpegLosslessSV1 = compressed("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1 (Process 14, Selection Value 1)", lossy: false)
    public static let jpegLSLossless = compressed("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", lossy: false)
    public static let jpegLSNearLossless = compressed("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", lossy: true)
    public static let jpeg2000Lossless = compressed("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless", lossy: false)
    public static let jpeg2000 = compressed("1.2.840.10008.1.2.4.91", "JPEG 2000", lossy: true)
    public static let htj2kLossless = compressed("1.2.840.10008.1.2.4.201", "HTJ2K Lossless", lossy: false)
    public static let htj2kLosslessRPCL = compressed("1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", lossy: false)
    public static let htj2k = compressed("1.2.840.10008.1.2.4.203", "HTJ2K", lossy: true)
    public static let rleLossless = compressed("1.2.840.10008.1.2.5", "RLE Lossless", lossy: false)

    public static let known: [TransferSyntax] = [
        .implicitVRLittleEndian, .explicitVRLittleEndian, .deflatedExplicitVRLittleEndian, .explicitVRBigEndian, .jpegBaseline,
        .jpegExtended, .jpegLossless, .jpegLosslessSV1, .jpegLSLossless, .jpegLSNearLossless, .jpeg2000Lossless, .jpeg2000,
        .htj2kLossless, .htj2kLosslessRPCL, .htj2k, .rleLossless,
    ]

    /// The syntax for a UID. Unknown UIDs are assumed to be encapsulated explicit VR little endian, as
    /// PS3.5 requires of every transfer syntax other than the four native ones.
    public static func forUID(_ uid: String) -> TransferSyntax {
        let clean = uid.trimmingNulAndSpace
        return known.first { $0.uid == clean }
            ?? TransferSyntax(uid: clean, explicitVR: true, littleEndian: true, deflated: false, encapsulated: true, lossy: false,
                              name: "Unknown (\(clean))")
    }
}

extension String {
    /// Strips the NUL and space padding DICOM puts on UIDs and strings.
    var trimmingNulAndSpace: String {
        var s = Substring(self)
        while let l = s.last, l == "\0" || l == " " { s = s.dropLast() }
        while let f = s.first, f == " " { s = s.dropFirst() }
        return String(s)
    }
}
