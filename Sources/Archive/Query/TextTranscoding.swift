import DICOM
import Foundation

/// Moves elements between data sets with different Specific Character Sets: text is decoded with the source's
/// character set and encoded with the target's; sequences are copied item by item; binary values are kept.
enum TextTranscoding {
    static func copy(_ element: Element, from source: DataSet, into target: SpecificCharacterSet) -> Element {
        if element.vr == .SQ {
            let items = (element.items ?? []).map { item -> DataSet in
                var out = DataSet()
                out.characterSet = target
                for e in item.elements { out.set(copy(e, from: item, into: target)) }
                return out
            }
            return Element(tag: element.tag, vr: .SQ, value: .sequence(items))
        }
        guard element.vr.usesSpecificCharacterSet, let text = source.string(element.tag) else { return element }
        var scratch = DataSet()
        scratch.characterSet = target
        scratch.set(element.tag, element.vr, string: text)
        return scratch[element.tag] ?? element
    }

    /// The character set for a response: the one the request declared when it can carry Chinese (UTF-8, GB18030,
    /// GBK), otherwise UTF-8, which every current peer reads.
    static func responseCharacterSet(for request: DataSet) -> SpecificCharacterSet {
        let declared = request.strings(.specificCharacterSet) ?? []
        if let term = declared.first(where: { ["ISO_IR 192", "GB18030", "GBK"].contains($0) }) { return SpecificCharacterSet(terms: [term]) }
        return .utf8
    }
}
