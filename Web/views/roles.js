// 角色与权限 (AUTH): roles with their permissions, chosen from the server's permission catalogue.
import { h, replace } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { pageHeader, button, badge, dataTable, field, formModal, confirmDialog, toast, toastError, showProblems } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').Role} Role */
/** @typedef {import('../types/models').PermissionGroup} PermissionGroup */

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderRoles(main, ctx) {
  const { api } = ctx;
  const canManage = ctx.can('roles.manage');
  /** @type {PermissionGroup[]} */
  const groups = (await api.request('GET', '/api/permissions', { signal: ctx.signal })).groups;
  /** @type {Map<string, string>} */
  const permissionNames = new Map(groups.flatMap((g) => g.permissions.map((p) => /** @type {[string, string]} */ ([p.code, p.name]))));

  /** @type {import('../components/ui.js').Column<Role>[]} */
  const columns = [
    { title: t('roles.name'), render: (r) => h('span', { class: 'strong' }, r.name) },
    { title: t('roles.code'), render: (r) => h('code', { class: 'code' }, r.code) },
    { title: t('roles.description'), render: (r) => r.description || '', className: 'wrap' },
    { title: t('roles.type'), render: (r) => (r.builtin ? badge(t('roles.builtin'), 'blue') : badge(t('roles.custom'), 'gray')), className: 'nowrap' },
    { title: t('roles.permissionCount'), render: (r) => h('span', { title: r.permissions.map((p) => permissionNames.get(p) || p).join('、') }, String(r.permissions.length)), className: 'num' },
    { title: t('roles.userCount'), render: (r) => String(r.userCount), className: 'num' },
  ];
  columns.push({
    title: t('common.actions'),
    className: 'actions-col',
    render: (r) =>
      h(
        'div',
        { class: 'row-actions' },
        button(canManage ? t('common.edit') : t('common.view'), { variant: 'link', testid: 'role-edit', onclick: () => openForm(r) }),
        canManage && !r.builtin ? button(t('common.delete'), { variant: 'link-danger', testid: 'role-delete', onclick: () => remove(r) }) : null,
      ),
  });
  const table = dataTable({ columns, testid: 'roles-table', rowProps: (r) => ({ testid: `role-row-${r.code}` }) });
  const total = h('div', { class: 'pager' }, h('span', { class: 'pager-total', testid: 'pager-total' }));

  async function load() {
    table.setLoading();
    try {
      /** @type {Role[]} */
      const items = (await api.request('GET', '/api/roles', { signal: ctx.signal })).items;
      table.setRows(items);
      replace(/** @type {HTMLElement} */ (total.firstChild), t('pager.total', { n: items.length }));
    } catch (error) {
      if (!ctx.signal.aborted) table.setError(error, load);
    }
  }

  replace(
    main,
    pageHeader(t('roles.pageTitle'), t('desc.roles'), canManage ? button(t('roles.add'), { variant: 'primary', icon: 'plus', testid: 'role-add', onclick: () => openForm(null) }) : null),
    h('div', { class: 'card' }, table.el, total),
  );
  await load();

  /** @param {Role | null} role */
  function openForm(role) {
    const readOnly = !canManage;
    const code = h('input', { class: 'input', name: 'code', maxlength: '64', value: role?.code || '', disabled: readOnly || !!role?.builtin, testid: 'role-form-code', autocomplete: 'off' });
    const name = h('input', { class: 'input', name: 'name', maxlength: '64', value: role?.name || '', disabled: readOnly, testid: 'role-form-name' });
    const description = h('textarea', { class: 'input', name: 'description', rows: '2', maxlength: '500', disabled: readOnly, testid: 'role-form-description' }, role?.description || '');
    const chosen = new Set(role?.permissions || []);

    const catalogue = h(
      'div',
      { class: 'perm-groups', testid: 'perm-groups' },
      groups.map((g) => {
        const boxes = g.permissions.map((p) =>
          h('input', { type: 'checkbox', value: p.code, checked: chosen.has(p.code), disabled: readOnly, testid: `perm-${p.code}` }),
        );
        const all = h('input', { type: 'checkbox', disabled: readOnly, testid: `perm-group-${g.code}` });
        const sync = () => {
          const on = boxes.filter((b) => b.checked).length;
          all.checked = on === boxes.length && on > 0;
          all.indeterminate = on > 0 && on < boxes.length;
          count.textContent = t('roles.chosenCount', { n: on, total: boxes.length });
        };
        const count = h('span', { class: 'perm-count' });
        all.addEventListener('change', () => {
          for (const b of boxes) b.checked = all.checked;
          sync();
        });
        for (const b of boxes) b.addEventListener('change', sync);
        sync();
        return h(
          'fieldset',
          { class: 'perm-group' },
          h('legend', null, h('label', { class: 'perm-group-title' }, all, h('span', null, g.name)), count),
          h(
            'div',
            { class: 'perm-list' },
            g.permissions.map((p, i) => h('label', { class: 'perm-item', title: p.code }, boxes[i], h('span', null, p.name), h('code', { class: 'perm-code' }, p.code))),
          ),
        );
      }),
    );

    formModal({
      title: role ? (readOnly ? role.name : t('roles.edit', { name: role.name })) : t('roles.add'),
      size: 'xl',
      testid: 'role-form',
      readOnly,
      body: h(
        'div',
        null,
        h(
          'div',
          { class: 'form-grid' },
          field({ label: t('roles.name'), name: 'name', control: name, required: true }),
          field({ label: t('roles.code'), name: 'code', control: code, required: true, hint: role?.builtin ? t('roles.builtinCodeHint') : t('roles.codeHint') }),
          field({ label: t('roles.description'), name: 'description', control: description, wide: true }),
        ),
        h('div', { class: 'field field-wide', dataset: { field: 'permissions' } }, h('div', { class: 'field-label' }, t('roles.permissions')), catalogue, h('div', { class: 'field-error', hidden: true })),
      ),
      onSubmit: async (form) => {
        /** @type {Record<string, {key: string}>} */
        const problems = {};
        if (!name.value.trim()) problems.name = { key: 'validation.required' };
        if (!code.value.trim()) problems.code = { key: 'validation.required' };
        else if (!/^[a-z][a-z0-9_.-]*$/.test(code.value.trim())) problems.code = { key: 'roles.codeFormat' };
        if (showProblems(form, problems)) return false;
        const permissions = [...catalogue.querySelectorAll('input[type=checkbox][value]')].filter((b) => /** @type {HTMLInputElement} */ (b).checked).map((b) => /** @type {HTMLInputElement} */ (b).value);
        const body = { code: code.value.trim(), name: name.value.trim(), description: description.value.trim() || null, permissions };
        if (role) await api.put(`/api/roles/${role.id}`, body);
        else await api.post('/api/roles', body);
        toast(t('common.saved'), 'success');
        load();
      },
    });
  }

  /** @param {Role} role */
  async function remove(role) {
    const message = role.userCount > 0 ? t('roles.deleteInUse', { name: role.name, n: role.userCount }) : t('roles.deleteConfirm', { name: role.name });
    if (!(await confirmDialog({ title: t('roles.deleteTitle'), message, confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`/api/roles/${role.id}`);
      toast(t('common.deleted'), 'success');
      load();
    } catch (error) {
      toastError(error);
    }
  }
}
