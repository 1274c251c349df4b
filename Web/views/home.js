// 工作台: who is signed in (name, institution, roles) and shortcuts to the pages this user may open.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { visibleNav } from '../lib/nav.js';
import { badge } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */

/**
 * The institution's name: from /api/me when the server sends it, else from the dictionary when the user
 * may read it; null when neither is available.
 * @param {ViewContext} ctx
 * @returns {Promise<string | null>}
 */
async function institutionName(ctx) {
  if (ctx.me.institutionName) return ctx.me.institutionName;
  if (ctx.me.institutionId == null || !ctx.can('dict.view')) return null;
  try {
    const row = await ctx.api.request('GET', `/api/dictionaries/institutions/${ctx.me.institutionId}`, { signal: ctx.signal });
    return row && typeof row.name === 'string' ? row.name : null;
  } catch {
    return null;
  }
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderHome(main, ctx) {
  const me = ctx.me;
  const institution = h('dd', { testid: 'home-institution' }, me.institutionId == null ? t('home.noInstitution') : t('common.loading'));
  const hour = new Date().getHours();
  const greeting = hour < 11 ? t('home.morning') : hour < 13 ? t('home.noon') : hour < 18 ? t('home.afternoon') : t('home.evening');

  const shortcuts = visibleNav(me.permissions)
    .flatMap((g) => g.items)
    .filter((item) => item.id !== 'home');

  replace(
    main,
    h(
      'section',
      { class: 'card welcome', testid: 'home-welcome' },
      h('div', { class: 'welcome-avatar' }, icon('user')),
      h(
        'div',
        { class: 'welcome-main' },
        h('h1', { class: 'welcome-title', testid: 'home-name' }, t('home.greeting', { greeting, name: me.displayName || me.username })),
        h('p', { class: 'welcome-sub' }, [me.username, me.title].filter(Boolean).join(' · ')),
        h(
          'dl',
          { class: 'welcome-facts' },
          h('div', null, h('dt', null, t('home.institution')), institution),
          me.departmentName ? h('div', null, h('dt', null, t('home.department')), h('dd', null, me.departmentName)) : null,
          h(
            'div',
            null,
            h('dt', null, t('home.roles')),
            h('dd', { class: 'chips', testid: 'home-roles' }, me.roles.length ? me.roles.map((r) => badge(r.name, 'blue', { dataset: { code: r.code } })) : t('home.noRoles')),
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'home-section' },
      h('h2', { class: 'section-title' }, t('home.shortcuts')),
      shortcuts.length === 0
        ? h('div', { class: 'card muted-card', testid: 'home-no-shortcuts' }, t('home.noShortcuts'))
        : h(
            'div',
            { class: 'shortcut-grid', testid: 'home-shortcuts' },
            shortcuts.map((item) =>
              h(
                'a',
                { class: ['shortcut', item.planned ? 'planned' : ''], href: `#${item.path}`, testid: `shortcut-${item.id}` },
                h('span', { class: 'shortcut-icon' }, icon(item.icon)),
                h('span', { class: 'shortcut-text' }, h('span', { class: 'shortcut-title' }, t(item.labelKey), item.planned ? badge(t('planned.tag'), 'gray') : null), item.descKey ? h('span', { class: 'shortcut-desc' }, t(item.descKey)) : null),
              ),
            ),
          ),
    ),
  );

  if (me.institutionId != null) {
    const name = await institutionName(ctx);
    if (!ctx.signal.aborted) institution.textContent = name || t('home.institutionUnknown', { id: me.institutionId });
  }
}
