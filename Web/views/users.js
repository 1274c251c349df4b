// 用户管理 (DICT-01..03): list, create / edit, delete, reset password, unlock, end sessions,
// electronic signature, role assignment with institution and exam-category scope.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { formatDateTime } from '../lib/format.js';
import { checkAssignments } from '../lib/validate.js';
import {
  pageHeader, button, badge, dataTable, pager, pagedList, searchToolbar, select, field, formModal, openModal, confirmDialog,
  secretDialog, openMenu, toast, toastError, showProblems, emptyState, errorText, filePicker,
} from '../components/ui.js';
import { fetchAllRows, rowLabel, rowOptions } from '../components/refdata.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').User} User */
/** @typedef {import('../types/models').Role} Role */
/** @typedef {import('../types/models').DictRow} DictRow */
/** @typedef {import('../types/models').Assignment} Assignment */

const SIGNATURE_MAX_BYTES = 512 * 1024;
const SIGNATURE_TYPES = ['image/png', 'image/jpeg'];

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderUsers(main, ctx) {
  const { api } = ctx;
  const canManage = ctx.can('users.manage');
  const canAssign = ctx.can('roles.assign');
  const canSessions = ctx.can('sessions.manage');

  // Institutions for the filter and the form (needs dict.view; without it the filter is left out).
  /** @type {DictRow[]} */
  let institutions = [];
  if (ctx.can('dict.view')) {
    try {
      institutions = await fetchAllRows(api, 'institutions', {}, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      toastError(error);
    }
  }

  const q = h('input', { class: 'input', type: 'search', placeholder: t('users.searchPlaceholder'), testid: 'users-search', 'aria-label': t('common.search') });
  const instFilter = select(rowOptions(institutions), '', { testid: 'users-institution-filter', 'aria-label': t('users.institution') }, t('users.allInstitutions'));
  const activeFilter = select(
    [
      { value: 'true', label: t('status.active') },
      { value: 'false', label: t('status.inactive') },
    ],
    '',
    { testid: 'users-active-filter', 'aria-label': t('common.status') },
    t('common.allStatus'),
  );

  /** @type {import('../components/ui.js').Column<User>[]} */
  const columns = [
    { title: t('users.username'), render: (u) => h('span', { class: 'strong' }, u.username) },
    { title: t('users.displayName'), render: (u) => u.displayName },
    { title: t('users.title'), render: (u) => u.title || '' },
    {
      // One column for both keeps the table inside a 1440-wide screen; the department is the second line.
      title: t('users.institutionDepartment'),
      render: (u) => h('span', { class: 'stack-cell' }, h('span', null, u.institutionName || ''), u.departmentName ? h('span', { class: 'sub' }, u.departmentName) : null),
    },
    { title: t('users.mobile'), render: (u) => u.mobile || '', className: 'nowrap' },
    {
      title: t('users.roles'),
      render: (u) => (u.roles.length ? h('div', { class: 'chips chips-wrap' }, u.roles.map((r) => badge(r.name, 'blue'))) : h('span', { class: 'muted' }, t('users.noRoles'))),
      className: 'roles-col',
    },
    { title: t('common.status'), render: statusBadge, className: 'nowrap' },
    { title: t('users.lastLogin'), render: (u) => formatDateTime(u.lastLoginAt) || t('users.neverLoggedIn'), className: 'nowrap muted' },
  ];
  const hasActions = canManage || canAssign || canSessions;
  if (hasActions) columns.push({ title: t('common.actions'), render: rowActions, className: 'actions-col' });

  const table = dataTable({
    columns,
    testid: 'users-table',
    rowProps: (u) => ({ testid: `user-row-${u.username}`, dataset: { id: String(u.id) } }),
    empty: () => (q.value.trim() || instFilter.value || activeFilter.value ? { title: t('common.noMatch'), text: t('common.noMatchHint') } : { title: t('common.empty') }),
  });
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: (page, pageSize) =>
      api.request('GET', '/api/users', { query: { q: q.value.trim(), institutionId: instFilter.value, active: activeFilter.value, page, pageSize }, signal: ctx.signal }),
  });

  const toolbar = searchToolbar({
    query: q,
    filters: [institutions.length ? instFilter : null, activeFilter],
    queryTestid: 'users-query',
    onSearch: () => list.search(),
    onReset: () => {
      instFilter.value = '';
      activeFilter.value = '';
    },
  });

  replace(
    main,
    pageHeader(t('users.pageTitle'), t('desc.users'), canManage ? button(t('users.add'), { variant: 'primary', icon: 'plus', testid: 'user-add', onclick: () => openUserForm(null) }) : null),
    h('div', { class: 'card' }, toolbar, table.el, pg.el),
  );
  list.search();

  // ------------------------------------------------------------ rows

  /** @param {User} u */
  function statusBadge(u) {
    const main = u.locked
      ? badge(t('users.locked'), 'red', { testid: 'status-locked' })
      : !u.active
        ? badge(t('status.inactive'), 'gray', { testid: 'status-inactive' })
        : badge(t('status.active'), 'green', { testid: 'status-active' });
    // Accounts still on an initial (or reset) password.
    return u.mustChangePassword && u.active ? h('div', { class: 'chips' }, main, badge(t('users.mustChange'), 'orange', { title: t('users.mustChangeHint') })) : main;
  }

  /** @param {User} u */
  function rowActions(u) {
    const self = u.id === ctx.me.id;
    /** @type {(import('../components/ui.js').MenuItem | 'separator')[]} */
    const more = [];
    if (canManage) {
      more.push({ label: t('users.resetPassword'), icon: 'key', testid: 'user-action-reset', onSelect: () => resetPassword(u) });
      if (u.locked) more.push({ label: t('users.unlock'), icon: 'lock', testid: 'user-action-unlock', onSelect: () => unlock(u) });
      more.push({ label: t('users.signature'), icon: 'fileText', testid: 'user-action-signature', onSelect: () => openSignature(u) });
    }
    if (canSessions && !self) more.push({ label: t('users.endSessions'), icon: 'logout', testid: 'user-action-sessions', onSelect: () => endSessions(u) });
    if (canManage && !self) {
      if (more.length) more.push('separator');
      more.push({ label: t('common.delete'), icon: 'x', danger: true, testid: 'user-action-delete', onSelect: () => remove(u) });
    }
    const moreBtn = more.length
      ? h('button', { type: 'button', class: 'btn btn-link', 'aria-haspopup': 'menu', testid: 'user-action-more', onclick: (/** @type {Event} */ e) => openMenu(/** @type {HTMLElement} */ (e.currentTarget), more, { testid: 'user-more-menu' }) }, h('span', null, t('common.more')), icon('chevronDown'))
      : null;
    return h(
      'div',
      { class: 'row-actions' },
      canManage ? button(t('common.edit'), { variant: 'link', testid: 'user-action-edit', onclick: () => openUserForm(u) }) : null,
      canAssign ? button(t('users.assign'), { variant: 'link', testid: 'user-action-roles', onclick: () => openAssignments(u) }) : null,
      moreBtn,
    );
  }

  // ------------------------------------------------------------ create / edit

  /** @param {User | null} user */
  function openUserForm(user) {
    const creating = user === null;
    const username = h('input', { class: 'input', name: 'username', autocomplete: 'off', maxlength: '64', value: user?.username || '', disabled: !creating, testid: 'user-form-username' });
    const displayName = h('input', { class: 'input', name: 'displayName', maxlength: '64', value: user?.displayName || '', testid: 'user-form-displayName' });
    const titleInput = h('input', { class: 'input', name: 'title', maxlength: '64', value: user?.title || '', list: 'yy-titles', testid: 'user-form-title' });
    const titles = h('datalist', { id: 'yy-titles' }, t('users.titleSuggestions').split('|').map((x) => h('option', { value: x })));
    const mobile = h('input', { class: 'input', name: 'mobile', type: 'tel', inputmode: 'tel', maxlength: '20', value: user?.mobile || '', testid: 'user-form-mobile' });
    const password = h('input', { class: 'input', name: 'password', type: 'password', autocomplete: 'new-password', testid: 'user-form-password' });
    const active = h('input', { type: 'checkbox', name: 'active', checked: user ? user.active : true, testid: 'user-form-active' });

    const instOptions = rowOptions(institutions);
    // Keep the user's institution selectable even when the list could not be read or the row is inactive.
    if (user?.institutionId && !instOptions.some((o) => o.value === String(user.institutionId))) {
      instOptions.unshift({ value: String(user.institutionId), label: user.institutionName || `#${user.institutionId}`, attrs: {} });
    }
    const institution = select(instOptions, user?.institutionId ? String(user.institutionId) : '', { name: 'institutionId', testid: 'user-form-institution' }, t('common.pleaseSelect'));
    const department = select([], '', { name: 'departmentId', testid: 'user-form-department', disabled: true }, t('users.departmentFirst'));

    /**
     * Fill the department select for the chosen institution.
     * @param {string | null} keep department id to keep selected
     */
    async function loadDepartments(keep) {
      const instId = institution.value;
      replace(department, h('option', { value: '' }, instId ? t('common.loading') : t('users.departmentFirst')));
      department.disabled = true;
      if (!instId) return;
      /** @type {{value: string, label: string, attrs?: Record<string, any>}[]} */
      let options = [];
      try {
        options = rowOptions(await fetchAllRows(api, 'departments', { institutionId: instId, active: 'true' }));
      } catch (error) {
        toastError(error);
      }
      if (institution.value !== instId) return; // changed again meanwhile
      if (keep && user?.departmentId && String(user.departmentId) === keep && !options.some((o) => o.value === keep)) {
        options.unshift({ value: keep, label: user.departmentName || `#${keep}` });
      }
      replace(department, h('option', { value: '' }, options.length ? t('common.none') : t('users.noDepartments')), options.map((o) => h('option', { value: o.value, selected: o.value === keep, ...(o.attrs || {}) }, o.label)));
      department.disabled = options.length === 0;
    }
    institution.addEventListener('change', () => loadDepartments(null));
    loadDepartments(user?.departmentId ? String(user.departmentId) : null);

    const body = h(
      'div',
      { class: 'form-grid' },
      titles,
      field({ label: t('users.username'), name: 'username', control: username, required: creating, hint: creating ? t('users.usernameHint') : null }),
      field({ label: t('users.displayName'), name: 'displayName', control: displayName, required: true }),
      field({ label: t('users.title'), name: 'title', control: titleInput }),
      field({ label: t('users.mobile'), name: 'mobile', control: mobile }),
      field({ label: t('users.institution'), name: 'institutionId', control: institution, required: true }),
      field({ label: t('users.department'), name: 'departmentId', control: department }),
      creating ? field({ label: t('users.initialPassword'), name: 'password', control: password, hint: t('users.passwordHint'), wide: true }) : null,
      creating ? null : field({ label: t('common.status'), name: 'active', control: h('label', { class: 'switch-label' }, active, h('span', null, t('users.activeLabel'))), hint: t('users.activeHint'), wide: true }),
    );

    formModal({
      title: creating ? t('users.add') : t('users.edit', { name: user.displayName || user.username }),
      size: 'lg',
      testid: 'user-form',
      body,
      onSubmit: async (form) => {
        /** @type {Record<string, {key: string}>} */
        const problems = {};
        if (creating && !username.value.trim()) problems.username = { key: 'validation.required' };
        if (!displayName.value.trim()) problems.displayName = { key: 'validation.required' };
        if (!institution.value) problems.institutionId = { key: 'validation.required' };
        if (showProblems(form, problems)) return false;
        const payload = {
          displayName: displayName.value.trim(),
          title: titleInput.value.trim() || null,
          institutionId: institution.value ? Number(institution.value) : null,
          departmentId: department.value ? Number(department.value) : null,
          mobile: mobile.value.trim() || null,
        };
        if (creating) {
          const answer = await api.post('/api/users', { username: username.value.trim(), ...payload, ...(password.value ? { password: password.value } : {}) });
          list.reload();
          const created = /** @type {User} */ (answer.user);
          if (answer.initialPassword) showCreated(created, answer.initialPassword);
          else toast(t('users.created'), 'success');
        } else {
          await api.put(`/api/users/${user.id}`, { ...payload, active: active.checked });
          toast(t('common.saved'), 'success');
          list.reload();
        }
      },
    });
  }

  /** @param {User} u @param {string} initialPassword */
  function showCreated(u, initialPassword) {
    secretDialog({
      title: t('users.createdTitle'),
      intro: t('users.createdIntro', { name: u.displayName, username: u.username }),
      secret: initialPassword,
      note: t('users.initialPasswordNote'),
      actions: canAssign
        ? (close) =>
            button(t('users.assignNow'), {
              testid: 'assign-now',
              onclick: () => {
                close();
                openAssignments(u);
              },
            })
        : undefined,
    });
  }

  // ------------------------------------------------------------ single actions

  /** @param {User} u */
  async function resetPassword(u) {
    if (!(await confirmDialog({ title: t('users.resetPassword'), message: t('users.resetConfirm', { name: u.displayName, username: u.username }), confirmText: t('users.resetPassword'), danger: true }))) return;
    try {
      const answer = await api.post(`/api/users/${u.id}/reset-password`);
      secretDialog({ title: t('users.resetDone'), intro: t('users.resetIntro', { name: u.displayName, username: u.username }), secret: answer.initialPassword, note: t('users.initialPasswordNote') });
      list.reload();
    } catch (error) {
      toastError(error);
    }
  }

  /** @param {User} u */
  async function unlock(u) {
    try {
      await api.post(`/api/users/${u.id}/unlock`);
      toast(t('users.unlocked', { name: u.displayName }), 'success');
      list.reload();
    } catch (error) {
      toastError(error);
    }
  }

  /** @param {User} u */
  async function endSessions(u) {
    if (!(await confirmDialog({ title: t('users.endSessions'), message: t('users.endSessionsConfirm', { name: u.displayName }), confirmText: t('users.endSessions'), danger: true }))) return;
    try {
      const answer = await api.del(`/api/users/${u.id}/sessions`);
      const ended = Number(answer?.ended ?? 0);
      toast(ended > 0 ? t('users.sessionsEnded', { name: u.displayName, n: ended }) : t('users.noSessions', { name: u.displayName }), ended > 0 ? 'success' : 'info');
    } catch (error) {
      toastError(error);
    }
  }

  /** @param {User} u */
  async function remove(u) {
    if (!(await confirmDialog({ title: t('users.deleteTitle'), message: t('users.deleteConfirm', { name: u.displayName, username: u.username }), confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`/api/users/${u.id}`);
      toast(t('common.deleted'), 'success');
      list.reload();
    } catch (error) {
      toastError(error);
    }
  }

  // ------------------------------------------------------------ electronic signature (DICT-02)

  /** @param {User} u */
  function openSignature(u) {
    let hasSignature = u.hasSignature;
    /** @type {File | null} */
    let chosen = null;
    /** @type {string | null} */
    let previewUrl = null;
    const current = h('div', { class: 'signature-box', testid: 'signature-current' });
    const preview = h('div', { class: 'signature-box', testid: 'signature-preview' });
    const problem = h('div', { class: 'field-error', hidden: true, testid: 'signature-error' });
    const upload = button(t('users.signatureUpload'), { variant: 'primary', icon: 'upload', disabled: true, testid: 'signature-upload' });
    const removeBtn = button(t('users.signatureDelete'), { variant: 'danger', testid: 'signature-delete' });

    function showCurrent() {
      replace(
        current,
        hasSignature
          ? h('img', { src: `/api/users/${u.id}/signature?v=${Date.now()}`, alt: t('users.signatureAlt', { name: u.displayName }), testid: 'signature-image' })
          : h('span', { class: 'muted' }, t('users.signatureNone')),
      );
      removeBtn.hidden = !hasSignature;
    }
    function showPreview() {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = chosen ? URL.createObjectURL(chosen) : null;
      replace(preview, previewUrl ? h('img', { src: previewUrl, alt: t('users.signaturePreview') }) : h('span', { class: 'muted' }, t('users.signatureChoose')));
    }
    /** @param {File | null} f */
    const onFile = (f) => {
      problem.hidden = true;
      chosen = null;
      if (f && !SIGNATURE_TYPES.includes(f.type)) {
        problem.textContent = t('users.signatureType');
        problem.hidden = false;
      } else if (f && f.size > SIGNATURE_MAX_BYTES) {
        problem.textContent = t('users.signatureSize');
        problem.hidden = false;
      } else {
        chosen = f;
      }
      upload.disabled = chosen === null;
      showPreview();
    };
    const picker = filePicker({ accept: SIGNATURE_TYPES.join(','), buttonText: t('users.signatureChooseButton'), emptyText: t('users.signatureNoFile'), testid: 'signature-file', onChange: onFile });
    upload.addEventListener('click', async () => {
      if (!chosen) return;
      upload.disabled = true;
      try {
        await api.request('PUT', `/api/users/${u.id}/signature`, { raw: chosen, contentType: chosen.type });
        hasSignature = true;
        chosen = null;
        picker.clear();
        showCurrent();
        showPreview();
        toast(t('users.signatureSaved'), 'success');
        list.reload();
      } catch (error) {
        problem.textContent = errorText(error);
        problem.hidden = false;
        upload.disabled = false;
      }
    });
    removeBtn.addEventListener('click', async () => {
      if (!(await confirmDialog({ title: t('users.signatureDelete'), message: t('users.signatureDeleteConfirm', { name: u.displayName }), danger: true, confirmText: t('common.delete') }))) return;
      try {
        await api.del(`/api/users/${u.id}/signature`);
        hasSignature = false;
        showCurrent();
        toast(t('common.deleted'), 'success');
        list.reload();
      } catch (error) {
        toastError(error);
      }
    });
    showCurrent();
    showPreview();
    const modal = openModal({
      title: t('users.signatureTitle', { name: u.displayName }),
      size: 'md',
      testid: 'signature-dialog',
      body: h(
        'div',
        { class: 'signature-layout' },
        h('div', null, h('div', { class: 'field-label' }, t('users.signatureCurrent')), current),
        h('div', null, h('div', { class: 'field-label' }, t('users.signatureNew')), preview, picker.el, h('div', { class: 'field-hint' }, t('users.signatureHint')), problem),
      ),
      footer: h('div', { class: 'modal-footer-inner' }, h('div', { class: 'footer-extra' }, removeBtn), h('div', { class: 'footer-buttons' }, button(t('common.close'), { onclick: () => modal.close() }), upload)),
      onClose: () => {
        if (previewUrl) URL.revokeObjectURL(previewUrl);
      },
    });
  }

  // ------------------------------------------------------------ role assignment (DICT-03)

  /** @param {User} u */
  async function openAssignments(u) {
    /** @type {Role[]} */
    let roles;
    /** @type {Assignment[]} */
    let rows;
    /** @type {DictRow[]} */
    let categories = [];
    /** @type {DictRow[]} */
    let insts = institutions;
    try {
      const [roleAnswer, assigned, cats, instRows] = await Promise.all([
        api.get('/api/roles'),
        api.get(`/api/users/${u.id}/roles`),
        fetchAllRows(api, 'exam-categories', { active: 'true' }),
        insts.length ? Promise.resolve(insts) : fetchAllRows(api, 'institutions'),
      ]);
      roles = roleAnswer.items;
      rows = assigned.items.map((/** @type {Assignment} */ a) => ({ ...a, institutionIds: [...(a.institutionIds || [])], categoryIds: [...(a.categoryIds || [])] }));
      categories = cats;
      insts = instRows;
    } catch (error) {
      toastError(error);
      return;
    }

    const listEl = h('div', { class: 'assign-list', testid: 'assign-list' });

    /** @returns {Assignment} */
    const blankRow = () => ({
      roleId: null,
      allInstitutions: !u.institutionId,
      institutionIds: u.institutionId ? [u.institutionId] : [],
      allCategories: true,
      categoryIds: [],
    });

    /**
     * "All" / "only these" radio pair plus the checkbox chips.
     * @param {{row: Assignment, index: number, kind: 'inst' | 'cat', options: DictRow[]}} o
     */
    function scopeEditor(o) {
      const isInst = o.kind === 'inst';
      const all = isInst ? o.row.allInstitutions : o.row.allCategories;
      const ids = isInst ? o.row.institutionIds : o.row.categoryIds;
      const name = `scope-${o.kind}-${o.index}`;
      /** @param {boolean} value */
      const setAll = (value) => {
        if (isInst) o.row.allInstitutions = value;
        else o.row.allCategories = value;
        draw();
      };
      const chips = h(
        'div',
        { class: 'check-chips', hidden: all },
        o.options.length === 0
          ? h('span', { class: 'muted' }, t('common.empty'))
          : o.options.map((opt) =>
              h(
                'label',
                { class: 'check-chip' },
                h('input', {
                  type: 'checkbox',
                  checked: ids.includes(opt.id),
                  disabled: all,
                  testid: `assign-${o.kind}-${opt.code ?? opt.id}`,
                  onchange: (/** @type {Event} */ e) => {
                    const on = /** @type {HTMLInputElement} */ (e.target).checked;
                    const next = on ? [...ids.filter((x) => x !== opt.id), opt.id] : ids.filter((x) => x !== opt.id);
                    if (isInst) o.row.institutionIds = next;
                    else o.row.categoryIds = next;
                  },
                }),
                h('span', null, rowLabel(opt)),
              ),
            ),
      );
      return h(
        'div',
        { class: 'scope' },
        h('div', { class: 'scope-label' }, isInst ? t('assign.institutions') : t('assign.categories')),
        h(
          'div',
          { class: 'scope-body' },
          h(
            'div',
            { class: 'radio-row' },
            h('label', null, h('input', { type: 'radio', name, checked: all, testid: `assign-${o.kind}-all`, onchange: () => setAll(true) }), h('span', null, isInst ? t('assign.allInstitutions') : t('assign.allCategories'))),
            h('label', null, h('input', { type: 'radio', name, checked: !all, testid: `assign-${o.kind}-some`, onchange: () => setAll(false) }), h('span', null, isInst ? t('assign.someInstitutions') : t('assign.someCategories'))),
          ),
          chips,
        ),
      );
    }

    /** @param {import('../lib/validate.js').Problem[][]} [problems] */
    function draw(problems) {
      if (rows.length === 0) {
        replace(listEl, emptyState({ icon: 'key', title: t('assign.none'), text: t('assign.noneHint'), testid: 'assign-empty' }));
        return;
      }
      replace(
        listEl,
        rows.map((row, index) =>
          h(
            'div',
            { class: ['assign-row', problems && problems[index].length ? 'has-error' : ''], testid: 'assign-row' },
            h(
              'div',
              { class: 'assign-head' },
              h('span', { class: 'assign-index' }, String(index + 1)),
              select(
                roles.map((r) => ({ value: String(r.id), label: r.name, attrs: { dataset: { code: r.code } } })),
                row.roleId === null ? '' : String(row.roleId),
                {
                  testid: 'assign-role',
                  'aria-label': t('assign.role'),
                  onchange: (/** @type {Event} */ e) => {
                    const v = /** @type {HTMLSelectElement} */ (e.target).value;
                    row.roleId = v ? Number(v) : null;
                  },
                },
                t('assign.chooseRole'),
              ),
              button(t('assign.remove'), {
                variant: 'link-danger',
                icon: 'x',
                testid: 'assign-remove',
                onclick: () => {
                  rows.splice(index, 1);
                  draw();
                },
              }),
            ),
            scopeEditor({ row, index, kind: 'inst', options: insts }),
            scopeEditor({ row, index, kind: 'cat', options: categories }),
            problems && problems[index].length ? h('div', { class: 'field-error' }, problems[index].map((p) => t(p.key, p.params)).join('；')) : null,
          ),
        ),
      );
    }
    draw();

    formModal({
      title: t('assign.title', { name: u.displayName, username: u.username }),
      size: 'xl',
      testid: 'assign-dialog',
      body: h('div', null, h('p', { class: 'dialog-intro' }, t('assign.intro')), listEl),
      extraFooter: button(t('assign.add'), {
        icon: 'plus',
        testid: 'assign-add',
        onclick: () => {
          rows.push(blankRow());
          draw();
          /** @type {HTMLElement | null} */ (listEl.querySelector('.assign-row:last-child select'))?.focus();
        },
      }),
      onSubmit: async () => {
        const problems = checkAssignments(rows);
        if (problems.some((p) => p.length)) {
          draw(problems);
          /** @type {HTMLElement | null} */ (listEl.querySelector('.assign-row.has-error select, .assign-row.has-error input'))?.focus();
          return false;
        }
        const items = rows.map((r) => ({
          roleId: r.roleId,
          allInstitutions: r.allInstitutions,
          institutionIds: r.allInstitutions ? [] : r.institutionIds,
          allCategories: r.allCategories,
          categoryIds: r.allCategories ? [] : r.categoryIds,
        }));
        await api.put(`/api/users/${u.id}/roles`, { items });
        toast(t('assign.saved'), 'success');
        list.reload();
      },
    });
  }
}
