// Navigation model: every module of the platform, the permission that opens it, and hash-route helpers.
// Pure data and functions (unit-tested); the sidebar in app.js renders what visibleNav() returns.

/**
 * @typedef {object} NavItem
 * @property {string} id
 * @property {string} path hash path without '#', e.g. "/users"
 * @property {string} labelKey i18n key of the menu text
 * @property {string | string[] | null} permission required permission; a list = any one of them (a page whose
 *   parts need different permissions); null = every signed-in user
 * @property {string} icon icon name (lib/icons.js)
 * @property {boolean} [planned] module not built yet: shows the "not yet available" page
 * @property {string} [descKey] one sentence on what the module does (home shortcuts, planned page)
 */

/** @typedef {{id: string, labelKey: string | null, items: NavItem[]}} NavGroup */

/** @type {NavGroup[]} */
export const NAV = [
  {
    id: 'main',
    labelKey: null,
    items: [{ id: 'home', path: '/home', labelKey: 'nav.home', permission: null, icon: 'home', descKey: 'desc.home' }],
  },
  {
    id: 'clinical',
    labelKey: 'nav.group.clinical',
    items: [
      { id: 'registration', path: '/registration', labelKey: 'nav.registration', permission: 'registration.manage', icon: 'calendar', descKey: 'desc.registration' },
      { id: 'worklist', path: '/worklist', labelKey: 'nav.worklist', permission: 'study.view', icon: 'monitor', descKey: 'desc.worklist' },
      { id: 'reports', path: '/reports', labelKey: 'nav.reports', permission: 'report.write', icon: 'fileText', planned: true, descKey: 'desc.reports' },
      { id: 'consult', path: '/consultation', labelKey: 'nav.consultation', permission: 'report.write', icon: 'video', planned: true, descKey: 'desc.consultation' },
      { id: 'qc', path: '/qc', labelKey: 'nav.qc', permission: 'qc.manage', icon: 'checkCircle', planned: true, descKey: 'desc.qc' },
    ],
  },
  {
    // 预约 (issue #7 item 11): the booking calendar for the desk, the rules for the department head. Reading the
    // blacklist and the statistics needs registration.manage on the server, lifting and the rules scheduling.manage.
    id: 'scheduling',
    labelKey: 'nav.group.scheduling',
    items: [
      { id: 'schedCalendar', path: '/sched-calendar', labelKey: 'nav.schedCalendar', permission: 'registration.manage', icon: 'calendar', descKey: 'desc.schedCalendar' },
      { id: 'schedSlots', path: '/sched-slots', labelKey: 'nav.schedSlots', permission: 'scheduling.manage', icon: 'clock', descKey: 'desc.schedSlots' },
      { id: 'schedNumbers', path: '/sched-numbers', labelKey: 'nav.schedNumbers', permission: 'scheduling.manage', icon: 'fileText', descKey: 'desc.schedNumbers' },
      { id: 'schedRules', path: '/sched-rules', labelKey: 'nav.schedRules', permission: 'scheduling.manage', icon: 'zap', descKey: 'desc.schedRules' },
      { id: 'schedBlacklist', path: '/sched-blacklist', labelKey: 'nav.schedBlacklist', permission: ['registration.manage', 'scheduling.manage'], icon: 'shield', descKey: 'desc.schedBlacklist' },
      { id: 'schedStats', path: '/sched-stats', labelKey: 'nav.schedStats', permission: ['registration.manage', 'scheduling.manage'], icon: 'barChart', descKey: 'desc.schedStats' },
    ],
  },
  {
    id: 'services',
    labelKey: 'nav.group.services',
    items: [
      { id: 'stats', path: '/stats', labelKey: 'nav.stats', permission: 'stats.view', icon: 'barChart', planned: true, descKey: 'desc.stats' },
      { id: 'cloudfilm', path: '/cloudfilm', labelKey: 'nav.cloudfilm', permission: 'cloudfilm.manage', icon: 'film', planned: true, descKey: 'desc.cloudfilm' },
      { id: 'archive', path: '/archive', labelKey: 'nav.archive', permission: 'archive.manage', icon: 'database', descKey: 'desc.archive' },
      { id: 'monitor', path: '/monitor', labelKey: 'nav.monitor', permission: 'monitor.view', icon: 'activity', planned: true, descKey: 'desc.monitor' },
    ],
  },
  {
    id: 'system',
    labelKey: 'nav.group.system',
    items: [
      { id: 'users', path: '/users', labelKey: 'nav.users', permission: 'users.view', icon: 'users', descKey: 'desc.users' },
      { id: 'roles', path: '/roles', labelKey: 'nav.roles', permission: 'roles.view', icon: 'key', descKey: 'desc.roles' },
      { id: 'dict', path: '/dict', labelKey: 'nav.dict', permission: 'dict.view', icon: 'book', descKey: 'desc.dict' },
      // 节点管理 needs dicom.nodes.manage; 当前连接 and 传输记录 need monitor.view (technologists have only that one).
      { id: 'dicom', path: '/dicom', labelKey: 'nav.dicom', permission: ['dicom.nodes.manage', 'monitor.view'], icon: 'network', descKey: 'desc.dicom' },
      { id: 'security', path: '/security', labelKey: 'nav.security', permission: 'security.view', icon: 'shield', descKey: 'desc.security' },
      { id: 'audit', path: '/audit', labelKey: 'nav.audit', permission: 'audit.view', icon: 'clipboard', descKey: 'desc.audit' },
    ],
  },
];

/** Pages reachable by route but not listed in the sidebar. */
/** @type {NavItem[]} */
export const EXTRA_ROUTES = [
  { id: 'password', path: '/password', labelKey: 'password.title', permission: null, icon: 'lock' },
  { id: 'tokens', path: '/tokens', labelKey: 'tokens.title', permission: null, icon: 'key' },
];

/**
 * @param {string | string[] | null} permission one permission, or a list of which any one will do
 * @param {Iterable<string>} granted
 */
export function hasPermission(permission, granted) {
  if (!permission) return true;
  const wanted = Array.isArray(permission) ? permission : [permission];
  for (const p of granted) if (wanted.includes(p)) return true;
  return false;
}

/**
 * The navigation a user may see: items without the permission are dropped, and so are groups left empty.
 * @param {string[]} permissions
 * @param {NavGroup[]} [nav]
 * @returns {NavGroup[]}
 */
export function visibleNav(permissions, nav = NAV) {
  return nav
    .map((group) => ({ ...group, items: group.items.filter((item) => hasPermission(item.permission, permissions)) }))
    .filter((group) => group.items.length > 0);
}

/**
 * Split a location hash into path segments and query: "#/dict/institutions?x=1" →
 * {path: "/dict/institutions", segments: ["dict", "institutions"], query: URLSearchParams}.
 * An empty or bare hash means the home page.
 * @param {string} hash
 */
export function parseHash(hash) {
  let text = String(hash || '').replace(/^#/, '');
  const q = text.indexOf('?');
  const query = new URLSearchParams(q >= 0 ? text.slice(q + 1) : '');
  if (q >= 0) text = text.slice(0, q);
  const segments = text.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  if (segments.length === 0) segments.push('home');
  return { path: '/' + segments.join('/'), segments, query };
}

/**
 * Find the module a path belongs to (the first segment decides: "/dict/body-parts" → dict).
 * @param {string} path
 * @param {NavGroup[]} [nav]
 * @returns {NavItem | null}
 */
export function findRoute(path, nav = NAV) {
  const first = '/' + (path.split('/').filter(Boolean)[0] || 'home');
  for (const group of nav) {
    for (const item of group.items) if (item.path === first) return item;
  }
  return EXTRA_ROUTES.find((item) => item.path === first) || null;
}

/**
 * What the router should show for a path: the page, a 403 page, or a 404 page.
 * @param {string} path
 * @param {string[]} permissions
 * @param {NavGroup[]} [nav]
 * @returns {{status: 'ok', item: NavItem} | {status: 'forbidden', item: NavItem} | {status: 'not_found'}}
 */
export function resolveRoute(path, permissions, nav = NAV) {
  const item = findRoute(path, nav);
  if (!item) return { status: 'not_found' };
  if (!hasPermission(item.permission, permissions)) return { status: 'forbidden', item };
  return { status: 'ok', item };
}
