/// Value representations of PS3.5 (2024), including OV, SV, UV, UR and UC.
public enum VR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR,
        US, UT, UV

    /// Reads the two VR bytes of an explicit-VR header; nil if they name no VR.
    init?(byte0: UInt8, byte1: UInt8) {
        guard byte0 >= 0x41, byte0 <= 0x5A, byte1 >= 0x41, byte1 <= 0x5A,
            let vr = VR(rawValue: String(decoding: [byte0, byte1], as: UTF8.self))
        else { return nil }
        self = vr
    }

    /// Explicit VR encodes these with two reserved bytes and a 32-bit length (PS3.5 7.1.2).
    public var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: true
        default: false
        }
    }

    /// Character-string VRs, decoded with the dataset's character set where it applies.
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: true
        default: false
        }
    }

    /// VRs whose values may hold non-ASCII text in the Specific Character Set (PS3.5 6.1.2.3).
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: true
        default: false
        }
    }

    /// Byte width of one value for binary VRs that need swapping between byte orders (AT swaps per 16 bits).
    public var swapUnit: Int {
        switch self {
        case .US, .SS, .OW, .AT: 2
        case .UL, .SL, .FL, .OF, .OL: 4
        case .FD, .OD, .SV, .UV, .OV: 8
        default: 1
        }
    }

    /// Padding byte for odd-length values: UI pads with NUL, other strings with space, binary with NUL.
    public var paddingByte: UInt8 { isString && self != .UI ? 0x20 : 0x00 }
}
