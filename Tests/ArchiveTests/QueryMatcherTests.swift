import DICOM
import Testing

@testable import Archive

struct QueryMatcherTests {
    func ds(_ build: (inout DataSet) -> Void) -> DataSet {
        var d = DataSet()
        d.characterSet = .utf8
        build(&d)
        return d
    }

    @Test("wildcards: * any run, ? one character, exact otherwise")
    func wildcards() {
        #expect(QueryMatcher.wildcard("ZH*", "ZHANG"))
        #expect(QueryMatcher.wildcard("*AN?", "ZHANG"))
        #expect(!QueryMatcher.wildcard("ZH?", "ZHANG"))
        #expect(QueryMatcher.wildcard("*", ""))
        #expect(!QueryMatcher.wildcard("LI", "LIU"))
    }

    @Test("person names match on any group, ignoring case and ^: 张* finds Zhang^San=张^三 (Orthanc does not)")
    func personNames() {
        let stored = ["Zhang^San=张^三=ㄓㄤ^ㄙㄢ"]
        for pattern in ["张*", "张三", "ZHANG*", "zhang^san", "*三", "Zhang^San=张*", "ZH?NG*"] {
            #expect(QueryMatcher.matchesValue(pattern, stored, vr: .PN), "\(pattern)")
        }
        for pattern in ["李*", "ZHANGSI", "Zhang^San=李*"] {
            #expect(!QueryMatcher.matchesValue(pattern, stored, vr: .PN), "\(pattern)")
        }
        #expect(QueryMatcher.nameSearchKey("Zhang^San=张^三") == "=ZHANGSAN=张三=")
        #expect(QueryMatcher.sqlNamePattern("张*") == "%=张%=%")
    }

    @Test("ranges on DA and TM, open ends, ACR-NEMA dotted dates, value lists")
    func ranges() {
        #expect(QueryMatcher.matchesValue("20240101-20241231", ["20241220"], vr: .DA))
        #expect(!QueryMatcher.matchesValue("20250101-", ["20241220"], vr: .DA))
        #expect(QueryMatcher.matchesValue("-20241220", ["20241220"], vr: .DA))
        #expect(QueryMatcher.matchesValue("2024.12.20", ["20241220"], vr: .DA))
        #expect(QueryMatcher.matchesValue("080000-120000", ["093015.5"], vr: .TM))
        #expect(QueryMatcher.matchesValue("-1200", ["120059"], vr: .TM), "an upper bound includes its whole minute")
        #expect(QueryMatcher.matchesValue("CT\\MR", ["MR"], vr: .CS))
        #expect(QueryMatcher.matchesValue("ct", ["CT"], vr: .CS))
        #expect(!QueryMatcher.matchesValue("ab123", ["AB123"], vr: .LO, tag: .patientID), "identifiers match exactly")
        #expect(QueryMatcher.matchesValue("*chest*", ["CHEST PA"], vr: .LO, tag: Tag(0x0008, 0x1030)), "descriptions ignore case")
    }

    @Test("combined date-time matching (PS3.4 C.2.2.2.5): a date range with a time range is one span across days")
    func combinedDateTime() {
        func study(_ date: String, _ time: String) -> DataSet {
            var ds = DataSet()
            ds.set(.studyDate, .DA, string: date)
            ds.set(Tag(0x0008, 0x0030), .TM, string: time)
            return ds
        }
        var night = DataSet()
        night.set(.studyDate, .DA, string: "20261101-20261102")
        night.set(Tag(0x0008, 0x0030), .TM, string: "2200-0600")
        // 23:30 on the first day is inside the night; separately, 233000 is outside the time range 2200-0600.
        #expect(QueryMatcher.matches(night, study("20261101", "233000"), combinedDateTime: true))
        #expect(!QueryMatcher.matches(night, study("20261101", "233000")))
        #expect(QueryMatcher.matches(night, study("20261102", "0600"), combinedDateTime: true), "the upper time includes its minute")
        #expect(!QueryMatcher.matches(night, study("20261102", "0700"), combinedDateTime: true))
        #expect(!QueryMatcher.matches(night, study("20261101", "2130"), combinedDateTime: true))
        #expect(QueryMatcher.matches(night, study("20261101", ""), combinedDateTime: false) == false)
        var open = DataSet()
        open.set(.studyDate, .DA, string: "20261101-")
        open.set(Tag(0x0008, 0x0030), .TM, string: "1200-")
        #expect(QueryMatcher.matches(open, study("20261205", "0100"), combinedDateTime: true))
        #expect(!QueryMatcher.matches(open, study("20261101", "1159"), combinedDateTime: true))
    }

    @Test("UID lists match whole UIDs only")
    func uidLists() {
        #expect(QueryMatcher.matchesValue("1.2.3\\1.2.4", ["1.2.4"], vr: .UI))
        #expect(!QueryMatcher.matchesValue("1.2", ["1.2.4"], vr: .UI))
    }

    @Test("data set matching: empty keys are return keys; sequences match item by item")
    func datasets() {
        var step = DataSet()
        step.characterSet = .utf8
        step.set(.modality, .CS, string: "CT")
        step.set(Tag(0x0040, 0x0002), .DA, string: "20261129")
        let candidate = ds {
            $0.set(.patientName, .PN, string: "Li^Si=李^四")
            $0.set(.patientID, .LO, string: "P1")
            $0.set(Element(tag: Tag(0x0040, 0x0100), vr: .SQ, value: .sequence([step])))
        }
        var queryStep = DataSet()
        queryStep.set(.modality, .CS, string: "CT")
        queryStep.set(Tag(0x0040, 0x0002), .DA, string: "20261101-20261130")
        queryStep.set(Tag(0x0040, 0x0001), .AE, string: "")
        let query = ds {
            $0.set(.patientName, .PN, string: "李*")
            $0.set(.patientID, .LO, string: "")
            $0.set(Element(tag: Tag(0x0040, 0x0100), vr: .SQ, value: .sequence([queryStep])))
        }
        #expect(QueryMatcher.matches(query, candidate))
        var mrStep = queryStep
        mrStep.set(.modality, .CS, string: "MR")
        var mrQuery = query
        mrQuery.set(Element(tag: Tag(0x0040, 0x0100), vr: .SQ, value: .sequence([mrStep])))
        #expect(!QueryMatcher.matches(mrQuery, candidate))
        let reduced = QueryMatcher.responseElement(for: query[Tag(0x0040, 0x0100)]!, from: candidate)
        #expect(reduced?.items?.first?.tags == [.modality, Tag(0x0040, 0x0001), Tag(0x0040, 0x0002)], "only the keys the query item named")
    }
}
