// Status pages: module not yet available, 403 and 404.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { button, pageHeader } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */

/**
 * @param {{icon: string, tone: string, code?: string, title: string, text: string, testid: string, ctx: ViewContext}} o
 */
function statusCard(o) {
  return h(
    'div',
    { class: `card status-card status-${o.tone}`, testid: o.testid },
    h('div', { class: 'status-icon' }, icon(o.icon)),
    o.code ? h('div', { class: 'status-code' }, o.code) : null,
    h('h2', { class: 'status-title' }, o.title),
    h('p', { class: 'status-text' }, o.text),
    button(t('status.backHome'), { variant: 'primary', icon: 'home', onclick: () => o.ctx.navigate('/home'), testid: 'back-home' }),
  );
}

/**
 * A clinical module that is not built yet: say so, and say what it will do.
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 * @param {import('../lib/nav.js').NavItem} item
 */
export function renderPlanned(main, ctx, item) {
  replace(
    main,
    pageHeader(t(item.labelKey), null),
    statusCard({ icon: 'clock', tone: 'info', title: t('planned.title'), text: item.descKey ? t(item.descKey) : '', testid: 'page-planned', ctx }),
  );
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 * @param {import('../lib/nav.js').NavItem} item the page that was refused
 */
export function renderForbidden(main, ctx, item) {
  replace(main, statusCard({ icon: 'lock', tone: 'warn', code: '403', title: t('status.forbidden.title'), text: t('status.forbidden.text', { page: t(item.labelKey) }), testid: 'page-forbidden', ctx }));
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export function renderNotFound(main, ctx) {
  replace(main, statusCard({ icon: 'info', tone: 'muted', code: '404', title: t('status.notFound.title'), text: t('status.notFound.text'), testid: 'page-not-found', ctx }));
}
