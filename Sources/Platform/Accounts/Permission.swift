/// The permission catalogue lives in code: routes name the permission they need, roles (data) grant them.
/// Codes are stored in `role_permissions`; never rename one, add a new code and migrate instead.
public enum Permission: String, CaseIterable, Sendable, Codable {
    // System administration (系统管理员)
    case usersView = "users.view"
    case usersManage = "users.manage"
    case dictView = "dict.view"
    case dictManage = "dict.manage"
    // Security administration (安全管理员)
    case rolesView = "roles.view"
    case rolesManage = "roles.manage"
    case rolesAssign = "roles.assign"
    case sessionsManage = "sessions.manage"
    case securityView = "security.view"
    case securityManage = "security.manage"
    // Audit (审计管理员)
    case auditView = "audit.view"
    case auditExport = "audit.export"
    // Clinical modules
    case registrationManage = "registration.manage"
    case examPerform = "exam.perform"
    case studyView = "study.view"
    case reportWrite = "report.write"
    case reportReview = "report.review"
    case qcManage = "qc.manage"
    case statsView = "stats.view"
    case cloudfilmManage = "cloudfilm.manage"
    case archiveManage = "archive.manage"
    case monitorView = "monitor.view"
    case dicomNodesManage = "dicom.nodes.manage"
    case viewerPresetsManage = "viewer.presets.manage"
    case schedulingManage = "scheduling.manage"

    public struct Group: Sendable {
        public let code: String
        public let zh: String
        public let en: String
        public let permissions: [Permission]
    }

    public static let groups: [Group] = [
        Group(
            code: "system", zh: "系统管理", en: "System administration",
            permissions: [.usersView, .usersManage, .dictView, .dictManage, .dicomNodesManage, .monitorView]),
        Group(
            code: "security", zh: "安全管理", en: "Security administration",
            permissions: [.rolesView, .rolesManage, .rolesAssign, .sessionsManage, .securityView, .securityManage]),
        Group(code: "audit", zh: "安全审计", en: "Audit", permissions: [.auditView, .auditExport]),
        Group(
            code: "clinical", zh: "临床业务", en: "Clinical work",
            permissions: [
                .registrationManage, .examPerform, .studyView, .reportWrite, .reportReview, .qcManage,
                .statsView, .cloudfilmManage, .archiveManage, .viewerPresetsManage, .schedulingManage,
            ]),
    ]

    public var zh: String {
        switch self {
        case .usersView: "查看用户"
        case .usersManage: "管理用户（新增、编辑、删除、重置密码）"
        case .dictView: "查看数据字典"
        case .dictManage: "维护数据字典"
        case .rolesView: "查看角色与权限"
        case .rolesManage: "管理角色"
        case .rolesAssign: "为用户授权"
        case .sessionsManage: "强制用户下线"
        case .securityView: "查看安全策略"
        case .securityManage: "修改安全策略"
        case .auditView: "查看审计日志"
        case .auditExport: "导出审计日志"
        case .registrationManage: "登记预约"
        case .examPerform: "检查执行"
        case .studyView: "浏览影像"
        case .reportWrite: "书写报告"
        case .reportReview: "审核报告"
        case .qcManage: "质量控制"
        case .statsView: "统计查询"
        case .cloudfilmManage: "云胶片管理"
        case .archiveManage: "影像数据管理"
        case .monitorView: "运行监控"
        case .dicomNodesManage: "DICOM 节点管理"
        case .viewerPresetsManage: "维护本科室窗宽窗位预设"
        case .schedulingManage: "预约规则管理（队列、号源模板、检查号规则、黑名单）"
        }
    }

    public var en: String {
        switch self {
        case .usersView: "View users"
        case .usersManage: "Manage users (create, edit, delete, reset password)"
        case .dictView: "View dictionaries"
        case .dictManage: "Maintain dictionaries"
        case .rolesView: "View roles and permissions"
        case .rolesManage: "Manage roles"
        case .rolesAssign: "Grant roles to users"
        case .sessionsManage: "End user sessions"
        case .securityView: "View security policy"
        case .securityManage: "Change security policy"
        case .auditView: "View audit log"
        case .auditExport: "Export audit log"
        case .registrationManage: "Registration and appointments"
        case .examPerform: "Perform exams"
        case .studyView: "View images"
        case .reportWrite: "Write reports"
        case .reportReview: "Review reports"
        case .qcManage: "Quality control"
        case .statsView: "Statistics"
        case .cloudfilmManage: "Cloud film administration"
        case .archiveManage: "Image data management"
        case .monitorView: "Server monitoring"
        case .dicomNodesManage: "DICOM node administration"
        case .viewerPresetsManage: "Edit the department's window/level presets"
        case .schedulingManage: "Booking administration (queues, slot templates, exam-number rules, blacklist)"
        }
    }
}

/// Seeded roles. The three administrator roles keep 三权分立 (separation of system, security and audit
/// duties): none of them sees patient data, and none can do another's job.
public struct BuiltinRole: Sendable {
    public let code: String
    public let zh: String
    public let description: String
    public let permissions: [Permission]

    public static let all: [BuiltinRole] = [
        BuiltinRole(
            code: "system_admin", zh: "系统管理员", description: "维护用户账号、数据字典与系统配置，不能授权，不能查看审计日志",
            permissions: [.usersView, .usersManage, .dictView, .dictManage, .dicomNodesManage, .monitorView]),
        BuiltinRole(
            code: "security_admin", zh: "安全管理员", description: "定义角色、为用户授权、设置安全策略、强制下线",
            permissions: [.usersView, .rolesView, .rolesManage, .rolesAssign, .sessionsManage, .securityView, .securityManage, .dictView]),
        BuiltinRole(
            code: "auditor", zh: "审计管理员", description: "查询与导出审计日志，校验日志完整性",
            permissions: [.auditView, .auditExport]),
        BuiltinRole(
            code: "registrar", zh: "登记员", description: "患者登记、检查预约与分诊",
            permissions: [.registrationManage, .dictView]),
        BuiltinRole(
            code: "technologist", zh: "技师", description: "执行检查、上传影像、影像质控，查看 DICOM 传输状态",
            permissions: [.examPerform, .studyView, .qcManage, .dictView, .monitorView]),
        BuiltinRole(
            code: "resident", zh: "住院医师", description: "阅片并书写初步报告",
            permissions: [.studyView, .reportWrite, .dictView]),
        BuiltinRole(
            code: "attending", zh: "主治医师", description: "书写与审核报告",
            permissions: [.studyView, .reportWrite, .reportReview, .dictView]),
        BuiltinRole(
            code: "chief", zh: "主任医师", description: "终审报告、疑难病例会诊、报告质控",
            permissions: [.studyView, .reportWrite, .reportReview, .qcManage, .statsView, .dictView, .viewerPresetsManage]),
        BuiltinRole(
            code: "clinician", zh: "临床医生", description: "查看本人患者的影像与报告",
            permissions: [.studyView]),
        BuiltinRole(
            code: "department_head", zh: "科室主任", description: "科室质控、工作量与阳性率统计、云胶片管理",
            permissions: [
                .studyView, .reportReview, .qcManage, .statsView, .cloudfilmManage, .archiveManage, .dictView, .viewerPresetsManage, .schedulingManage,
                .registrationManage,
            ]),
    ]
}
