/// A field of a dictionary kind: how it is stored, validated, shown and exported.
public struct DictionaryField: Sendable {
    public enum FieldType: String, Sendable, Codable {
        case text, textarea, int, decimal, money, bool
        case choice = "enum"
        case ref
    }

    public struct Option: Sendable {
        public let value: String
        public let zh: String
        public let en: String
    }

    public let name: String
    public let column: String
    public let zh: String
    public let en: String
    public let type: FieldType
    public var required = false
    public var maxLength = 64
    public var min: Double?
    public var max: Double?
    public var options: [Option] = []
    /// For `ref`: the kind referred to (by its URL name).
    public var ref: String?
    /// For `ref`: the referred row's `column` must equal this record's field `field` (an exam item's group
    /// must belong to its category).
    public var refMustMatch: (column: String, field: String)?
    public var listed = true
    public var unique = false
    /// Uniqueness holds within rows sharing this field (department codes are unique per institution).
    public var uniqueWithin: String?
    /// Writes need the caller's `dict.manage` scope to include this institution.
    public var institutionScoped = false

    init(_ name: String, _ column: String, _ zh: String, _ en: String, _ type: FieldType) {
        self.name = name
        self.column = column
        self.zh = zh
        self.en = en
        self.type = type
    }

    func with(_ change: (inout DictionaryField) -> Void) -> DictionaryField {
        var copy = self
        change(&copy)
        return copy
    }
}

/// A dictionary (DICT-04..08): reference data that every module points at.
public struct DictionaryKind: Sendable {
    public let kind: String
    public let table: String
    public let zh: String
    public let en: String
    public let fields: [DictionaryField]
    /// Tables and columns that point at rows of this kind; a referenced row cannot be deleted.
    /// `zh` carries its measure word (3 家下级机构, 3 位用户).
    public let referencedBy: [(table: String, column: String, zh: String, en: String)]

    public func field(_ name: String) -> DictionaryField? { fields.first { $0.name == name } }
    public var keyField: DictionaryField { fields.first { $0.unique }! }
}

extension DictionaryField {
    static func code(_ zh: String = "编码") -> DictionaryField {
        DictionaryField("code", "code", zh, "Code", .text).with {
            $0.required = true
            $0.maxLength = 32
            $0.unique = true
        }
    }
    static func name(_ zh: String = "名称", max: Int = 64) -> DictionaryField {
        DictionaryField("name", "name", zh, "Name", .text).with {
            $0.required = true
            $0.maxLength = max
        }
    }
    static let sortOrder = DictionaryField("sortOrder", "sort_order", "排序", "Order", .int).with {
        $0.min = 0
        $0.max = 9999
        $0.listed = false
    }
    static let active = DictionaryField("active", "active", "状态", "Status", .bool)

    static let modality = DictionaryField("modality", "modality", "设备类型", "Modality", .choice).with {
        $0.options = [
            ("CT", "CT", "CT"), ("MR", "磁共振 MR", "MR"), ("DX", "数字X线 DR", "Digital X-ray (DR)"),
            ("CR", "计算机X线 CR", "Computed radiography (CR)"), ("MG", "乳腺钼靶 MG", "Mammography (MG)"),
            ("US", "超声 US", "Ultrasound (US)"), ("XA", "血管造影 DSA", "Angiography (XA)"),
            ("RF", "数字胃肠 RF", "Fluoroscopy (RF)"), ("NM", "核医学 NM", "Nuclear medicine (NM)"),
            ("PT", "PET", "PET (PT)"), ("ES", "内镜 ES", "Endoscopy (ES)"), ("OT", "其他", "Other (OT)"),
        ].map { DictionaryField.Option(value: $0.0, zh: $0.1, en: $0.2) }
    }
}

public enum DictionaryCatalog {
    public static let kinds: [DictionaryKind] = [
        institutions, departments, examCategories, examGroups, bodyParts, examItems, reportTemplates,
    ]

    public static func kind(_ name: String) -> DictionaryKind? { kinds.first { $0.kind == name } }

    static let institutions = DictionaryKind(
        kind: "institutions", table: "institutions", zh: "医疗机构", en: "Institutions",
        fields: [
            .code("机构编码"), .name("机构名称"),
            DictionaryField("shortName", "short_name", "简称", "Short name", .text).with { $0.maxLength = 32 },
            DictionaryField("level", "level", "机构类型", "Type", .choice).with {
                $0.required = true
                $0.options = [
                    DictionaryField.Option(value: "central", zh: "中心医院", en: "Central hospital"),
                    DictionaryField.Option(value: "campus", zh: "院区", en: "Campus"),
                    DictionaryField.Option(value: "subordinate", zh: "下级医院", en: "Subordinate hospital"),
                    DictionaryField.Option(value: "community", zh: "社区卫生服务中心", en: "Community health centre"),
                ]
            },
            DictionaryField("parentId", "parent_id", "上级机构", "Parent", .ref).with { $0.ref = "institutions" },
            DictionaryField("address", "address", "地址", "Address", .text).with {
                $0.maxLength = 200
                $0.listed = false
            },
            DictionaryField("phone", "phone", "联系电话", "Phone", .text).with { $0.maxLength = 32 },
            .sortOrder, .active,
        ],
        referencedBy: [
            ("institutions", "parent_id", "家下级机构", "child institutions"), ("departments", "institution_id", "个科室", "departments"),
            ("users", "institution_id", "位用户", "users"), ("role_assignment_institutions", "institution_id", "项授权", "grants"),
        ])

    static let departments = DictionaryKind(
        kind: "departments", table: "departments", zh: "科室病区", en: "Departments and wards",
        fields: [
            DictionaryField("institutionId", "institution_id", "所属机构", "Institution", .ref).with {
                $0.ref = "institutions"
                $0.required = true
                $0.institutionScoped = true
            },
            .code("科室编码").with { $0.uniqueWithin = "institutionId" }, .name("科室名称"),
            DictionaryField("kind", "kind", "类型", "Type", .choice).with {
                $0.required = true
                $0.options = [
                    DictionaryField.Option(value: "clinical", zh: "临床科室", en: "Clinical department"),
                    DictionaryField.Option(value: "medtech", zh: "医技科室", en: "Medical technology"),
                    DictionaryField.Option(value: "ward", zh: "病区", en: "Ward"),
                    DictionaryField.Option(value: "admin", zh: "职能科室", en: "Administration"),
                ]
            },
            DictionaryField("phone", "phone", "联系电话", "Phone", .text).with { $0.maxLength = 32 },
            .sortOrder, .active,
        ],
        referencedBy: [("users", "department_id", "位用户", "users")])

    static let examCategories = DictionaryKind(
        kind: "exam-categories", table: "exam_categories", zh: "检查类别", en: "Exam categories",
        fields: [.code("类别编码"), .name("类别名称"), .modality, .sortOrder, .active],
        referencedBy: [
            ("exam_groups", "category_id", "个检查分组", "exam groups"), ("exam_items", "category_id", "个检查项目", "exam items"),
            ("report_templates", "category_id", "个报告模板", "report templates"),
            ("role_assignment_categories", "category_id", "项授权", "grants"),
        ])

    static let examGroups = DictionaryKind(
        kind: "exam-groups", table: "exam_groups", zh: "检查分组", en: "Exam groups",
        fields: [
            DictionaryField("categoryId", "category_id", "检查类别", "Category", .ref).with {
                $0.ref = "exam-categories"
                $0.required = true
            },
            .code("分组编码"), .name("分组名称"), .sortOrder, .active,
        ],
        referencedBy: [("exam_items", "group_id", "个检查项目", "exam items")])

    static let bodyParts = DictionaryKind(
        kind: "body-parts", table: "body_parts", zh: "检查部位", en: "Body parts",
        fields: [
            .code("部位编码"), .name("部位名称"),
            DictionaryField("dicomValue", "dicom_value", "DICOM 部位值", "DICOM Body Part", .text).with { $0.maxLength = 16 },
            .sortOrder, .active,
        ],
        referencedBy: [
            ("exam_items", "body_part_id", "个检查项目", "exam items"), ("report_templates", "body_part_id", "个报告模板", "report templates"),
        ])

    static let examItems = DictionaryKind(
        kind: "exam-items", table: "exam_items", zh: "检查项目", en: "Exam items",
        fields: [
            .code("项目编码"), .name("项目名称", max: 100),
            DictionaryField("categoryId", "category_id", "检查类别", "Category", .ref).with {
                $0.ref = "exam-categories"
                $0.required = true
            },
            DictionaryField("groupId", "group_id", "检查分组", "Group", .ref).with {
                $0.ref = "exam-groups"
                $0.refMustMatch = ("category_id", "categoryId")
            },
            .modality,
            DictionaryField("bodyPartId", "body_part_id", "检查部位", "Body part", .ref).with { $0.ref = "body-parts" },
            DictionaryField("durationMinutes", "duration_minutes", "检查时长（分钟）", "Duration (min)", .int).with {
                $0.min = 1
                $0.max = 480
            },
            DictionaryField("slotUnits", "slot_units", "占用号源数", "Slot units", .int).with {
                $0.min = 1
                $0.max = 20
                $0.listed = false
            },
            DictionaryField("workPoints", "work_points", "工作量分值", "Work points", .decimal).with {
                $0.min = 0
                $0.max = 1000
            },
            DictionaryField("priceFen", "price_fen", "价格（元）", "Price (CNY)", .money).with {
                $0.min = 0
                $0.max = 100_000_000
            },
            DictionaryField("preparation", "preparation", "检查前准备", "Preparation", .textarea).with {
                $0.maxLength = 1000
                $0.listed = false
            },
            .sortOrder, .active,
        ],
        referencedBy: [])

    static let reportTemplates = DictionaryKind(
        kind: "report-templates", table: "report_templates", zh: "报告模板", en: "Report templates",
        fields: [
            .code("模板编码"), .name("模板名称", max: 100),
            DictionaryField("categoryId", "category_id", "检查类别", "Category", .ref).with { $0.ref = "exam-categories" },
            DictionaryField("bodyPartId", "body_part_id", "检查部位", "Body part", .ref).with { $0.ref = "body-parts" },
            DictionaryField("findings", "findings", "影像所见", "Findings", .textarea).with {
                $0.maxLength = 4000
                $0.listed = false
            },
            DictionaryField("impression", "impression", "诊断意见", "Impression", .textarea).with {
                $0.maxLength = 2000
                $0.listed = false
            },
            .sortOrder, .active,
        ],
        referencedBy: [])
}
