// 登记预约 (#/registration, issue #7: REG-02, REG-03, REG-13, REG-16, REG-19) for the registration desk
// (registration.manage). Two tabs:
//   患者查找 (#/registration[?q=…]): one search field that takes card / barcode reader input (focused on load; a reader
//     types fast and ends with Enter, which searches at once) or a patient ID, ID card number, order number or name →
//     the patient's orders, their items with status badges and each item's appointment; 预约 (queue of the item's
//     modality, next available options, a day grid of slots with the server's reason where the item cannot go,
//     指定检查医生, an idempotency key per booking so a double click books once), 改约, 取消 (with a reason), 登记
//     (the exam number shown large), 爽约 (the server refuses it before the start time and says so), 打印预约单 and
//     打印条码标签 (Code 128 of the exam number, or of the order number before registration). When a merge rule
//     proposes booking other open items of the patient together, the booking dialog offers 合并预约 (one visit, all or
//     nothing: POST /api/scheduling/appointments/together). After booking, the department's preparation notes (the
//     appointment's `preparations`) are shown; the slip's 注意事项 prints them first, then the desk's default.
//     新建申请单 types a paper order in; 占位申请单 holds a slot for a phone booking without a patient ID, and
//     补全患者信息 completes it when the patient arrives.
//     申请单扫描件 (REG-05, REG-15; views/order-scans.js): per order its scanned or photographed paper forms as
//     thumbnails, upload (camera, drag and drop, progress), 查看大图 and 删除; 新建申请单 takes pictures too and sends
//     them once the order is saved.
//   今日预约 (#/registration/day): the appointments of a date (today by default) per queue and status, paged, with the
//     same actions.
// Printing: the document is copied into #reg-print-root and window.print() runs; @media print (styles/registration.css)
// hides everything else, so the printout is the slip or the label alone.
// Dates: "today" and the time printed on the slip are the hospital's (GET /api/scheduling/settings, loadHospitalClock).
import { h, replace } from '../lib/dom.js';
import { t, getLanguage } from '../lib/i18n.js';
import { ApiError } from '../lib/api.js';
import { code128Element } from '../lib/code128.js';
import {
  SOURCES, PRIORITIES, SEXES, CANCEL_REASONS, APPOINTMENT_STATUSES, ITEM_CATALOG, catalogModalities, preparationFor, itemStatus, appointmentStatus,
  appointmentActions, canBook, addDays, dateWithWeekday, birthDateText, patientAge, patientName, optionText, slotCell, optionFromSlot,
  queuesFor, newIdempotencyKey, SOURCE_KEYS, PRIORITY_KEYS, SEX_KEYS, CANCEL_REASON_KEYS, TAB_KEYS, sourceText, priorityText, checkOrderForm, checkCompleteForm, findAppointment, labelCode, sexText, birthDateFromIdCard, sexFromIdCard,
  slipPreparations, mergeText,
} from '../lib/registration.js';
import { loadHospitalClock } from '../lib/scheduling.js';
import { scanStrip, scanChooser, uploadScans, uploadErrorText, openScansDialog } from './order-scans.js';
import {
  pageHeader, button, badge, select, field, openModal, formModal, confirmDialog, toast, errorText, emptyState, dataTable, pager, pagedList,
  showProblems,
} from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../lib/registration.js').SchedOrder} SchedOrder */
/** @typedef {import('../lib/registration.js').SchedOrderItem} SchedOrderItem */
/** @typedef {import('../lib/registration.js').SchedAppointment} SchedAppointment */
/** @typedef {import('../lib/registration.js').SchedAppointmentEntry} SchedAppointmentEntry */
/** @typedef {import('../lib/registration.js').SchedQueue} SchedQueue */
/** @typedef {import('../lib/registration.js').SchedOption} SchedOption */
/** @typedef {import('../lib/registration.js').SchedSlotView} SchedSlotView */
/** @typedef {import('../lib/registration.js').MergeCandidate} MergeCandidate */
/** @typedef {import('../lib/dom.js').Child} Child */

/**
 * Everything the actions, the dialogs and the print documents need about one booked (or bookable) item, whether it
 * came from a search result (order + item) or from the day list (an appointment entry).
 * @typedef {object} Subject
 * @property {string} patientId
 * @property {string} patientName
 * @property {string} sex
 * @property {string} birthDate
 * @property {string} orderNo
 * @property {string} source
 * @property {string} priority
 * @property {number} itemId
 * @property {string} itemCode
 * @property {string} itemName
 * @property {string} modality
 * @property {number} units
 * @property {string} [department]
 * @property {string} [requestingDoctor]
 * @property {SchedAppointment | null} appointment
 * @property {string} queueName
 */

const TABS = /** @type {const} */ (['desk', 'day']);

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderRegistration(main, ctx) {
  const clock = await loadHospitalClock(ctx.api);
  const tab = ctx.params[0] === 'day' ? 'day' : 'desk';
  const lang = getLanguage();
  /** @type {Promise<SchedQueue[]> | null} */
  let queuesPromise = null;
  const loadQueues = () => {
    if (!queuesPromise) {
      queuesPromise = ctx.api.get('/api/scheduling/queues', undefined, ctx.signal).then((/** @type {{items: SchedQueue[]}} */ a) => a.items);
      queuesPromise.catch(() => {
        queuesPromise = null;
      });
    }
    return queuesPromise;
  };
  const today = () => clock.today();

  // ------------------------------------------------------------ shared actions

  const nowText = () => {
    const c = clock.clock();
    return `${c.date} ${c.time}`;
  };

  /**
   * @param {Subject} s
   * @param {() => void} refresh
   */
  function actionButtons(s, refresh) {
    const a = s.appointment;
    if (!a) return [];
    const can = appointmentActions(a.status);
    return [
      can.confirm ? button(t('reg.action.confirm'), { variant: 'link', testid: 'reg-confirm', onclick: () => run(() => ctx.api.post(`/api/scheduling/appointments/${a.id}/confirm`), 'reg.done.confirmed', refresh) }) : null,
      can.checkIn ? button(t('reg.action.checkIn'), { variant: 'link', testid: 'reg-check-in', onclick: () => checkIn(s, refresh) }) : null,
      can.reschedule ? button(t('reg.action.reschedule'), { variant: 'link', testid: 'reg-reschedule', onclick: () => openBooking(s, refresh) }) : null,
      can.cancel ? button(t('reg.action.cancel'), { variant: 'link-danger', testid: 'reg-cancel', onclick: () => cancel(s, refresh) }) : null,
      can.noShow ? button(t('reg.action.noShow'), { variant: 'link-danger', testid: 'reg-no-show', onclick: () => noShow(s, refresh) }) : null,
      can.print ? button(t('reg.action.printSlip'), { variant: 'link', testid: 'reg-print-slip', onclick: () => openPrint('slip', s) }) : null,
      can.print ? button(t('reg.action.printLabel'), { variant: 'link', testid: 'reg-print-label', onclick: () => openPrint('label', s) }) : null,
    ];
  }

  /**
   * @param {() => Promise<unknown>} call
   * @param {string} doneKey
   * @param {() => void} refresh
   */
  async function run(call, doneKey, refresh) {
    try {
      await call();
      toast(t(doneKey), 'success');
      refresh();
    } catch (error) {
      toast(errorText(error), 'error');
      if (error instanceof ApiError && error.status === 409) refresh();
    }
  }

  /** @param {Subject} s @param {() => void} refresh */
  async function checkIn(s, refresh) {
    const a = /** @type {SchedAppointment} */ (s.appointment);
    try {
      /** @type {SchedAppointment} */
      const done = await ctx.api.post(`/api/scheduling/appointments/${a.id}/check-in`);
      refresh();
      const subject = { ...s, appointment: done };
      const printLabel = button(t('reg.action.printLabel'), { testid: 'reg-checked-in-label' });
      const ok = button(t('reg.checkedIn.done'), { variant: 'primary', testid: 'reg-checked-in-done' });
      const modal = openModal({
        title: t('reg.checkedIn.title'),
        size: 'sm',
        testid: 'reg-checked-in',
        initialFocus: ok,
        body: h(
          'div',
          { class: 'reg-checked-in' },
          h('div', { class: 'reg-accession-label' }, t('reg.accession')),
          h('div', { class: 'reg-accession', testid: 'reg-accession' }, done.accessionNumber || ''),
          h('p', { class: 'reg-checked-in-who' }, `${patientName(s.patientName).main} · ${s.itemName}`),
          h('p', { class: 'muted' }, t('reg.checkedIn.worklist', { queue: s.queueName })),
        ),
        footer: h('div', { class: 'footer-buttons' }, printLabel, ok),
      });
      ok.addEventListener('click', modal.close);
      printLabel.addEventListener('click', () => {
        modal.close();
        openPrint('label', subject);
      });
    } catch (error) {
      toast(errorText(error), 'error');
      refresh();
    }
  }

  /** @param {Subject} s @param {() => void} refresh */
  function cancel(s, refresh) {
    const a = /** @type {SchedAppointment} */ (s.appointment);
    const reason = select(CANCEL_REASONS.map((r) => ({ value: r, label: t(CANCEL_REASON_KEYS[r]) })), '', { name: 'reason', testid: 'reg-cancel-reason' }, t('reg.choose'));
    const note = h('input', { class: 'input', name: 'note', maxlength: '100', testid: 'reg-cancel-note', placeholder: t('reg.cancel.notePlaceholder') });
    formModal({
      title: t('reg.cancel.title'),
      size: 'sm',
      testid: 'reg-cancel-dialog',
      submitText: t('reg.cancel.submit'),
      body: h(
        'div',
        { class: 'form-stack' },
        h('p', { class: 'dialog-intro' }, t('reg.cancel.intro', { name: patientName(s.patientName).main, item: s.itemName, when: `${dateWithWeekday(a.date, lang)} ${a.startTime}` })),
        field({ label: t('reg.cancel.reason'), name: 'reason', control: reason, required: true }),
        field({ label: t('reg.cancel.note'), name: 'note', control: note }),
      ),
      onSubmit: async (form) => {
        if (!reason.value) {
          showProblems(form, { reason: { key: 'validation.required' } });
          return false;
        }
        const text = [t(CANCEL_REASON_KEYS[reason.value]), note.value.trim()].filter(Boolean).join('：');
        await ctx.api.post(`/api/scheduling/appointments/${a.id}/cancel`, { reason: text });
        toast(t('reg.done.cancelled'), 'success');
        refresh();
      },
    });
  }

  /** @param {Subject} s @param {() => void} refresh */
  async function noShow(s, refresh) {
    const a = /** @type {SchedAppointment} */ (s.appointment);
    const yes = await confirmDialog({
      title: t('reg.noShow.title'),
      message: t('reg.noShow.message', { name: patientName(s.patientName).main, when: `${dateWithWeekday(a.date, lang)} ${a.startTime}` }),
      confirmText: t('reg.action.noShow'),
      danger: true,
    });
    if (yes) await run(() => ctx.api.post(`/api/scheduling/appointments/${a.id}/no-show`), 'reg.done.noShow', refresh);
  }

  // ------------------------------------------------------------ booking and rescheduling

  /**
   * 预约 (no appointment yet) or 改约 (the subject's appointment moves).
   * @param {Subject} s
   * @param {() => void} refresh
   */
  async function openBooking(s, refresh) {
    const moving = s.appointment && appointmentActions(s.appointment.status).reschedule ? s.appointment : null;
    /** @type {SchedQueue[]} */
    let queues = [];
    try {
      queues = queuesFor(await loadQueues(), s.modality);
    } catch (error) {
      toast(errorText(error), 'error');
      return;
    }
    /** @type {SchedOption | null} */
    let chosen = null;
    // One key per chosen time: a second click (or a retry) on 预约 for the same choice gets the first booking back.
    let idempotencyKey = newIdempotencyKey();
    let gridDate = moving ? moving.date : today();
    // Separate counters: a late answer is dropped only when its own list was asked again.
    let optionsSeq = 0;
    let gridSeq = 0;

    const startQueue = moving ? String(moving.queueId) : queues[0] ? String(queues[0].id) : '';
    const queueSelect = select(queues.map((q) => ({ value: String(q.id), label: q.name })), startQueue, { testid: 'reg-queue', 'aria-label': t('reg.book.queue') });
    const optionsBox = h('div', { class: 'reg-options', testid: 'reg-options' });
    const dateInput = h('input', { class: 'input input-date', type: 'date', value: gridDate, testid: 'reg-grid-date', 'aria-label': t('reg.book.gridDate') });
    const grid = h('div', { class: 'reg-grid', testid: 'reg-grid' });
    const doctor = h('input', { class: 'input', maxlength: '64', testid: 'reg-doctor', placeholder: t('reg.book.doctorPlaceholder'), value: moving?.performingDoctor || '' });
    doctor.disabled = Boolean(moving);
    const chosenText = h('span', { class: 'reg-chosen', testid: 'reg-chosen' }, t('reg.book.nothingChosen'));
    const submit = button(moving ? t('reg.book.submitMove') : t('reg.book.submit'), { variant: 'primary', testid: 'reg-book-submit', disabled: true });
    const cancelBtn = button(t('common.cancel'), { testid: 'reg-book-cancel' });
    const alert = h('div', { class: 'form-alert', hidden: true, role: 'alert', testid: 'reg-book-alert' });
    // Merge proposals (REG-07): other open items of the patient a merge rule would book in the same visit.
    const mergeBox = h('div', { class: 'reg-merge', testid: 'reg-merge', hidden: true });
    /** @param {MergeCandidate[]} candidates */
    const showMerge = (candidates) => {
      if (!candidates.length) return;
      const boxes = candidates.map((c) => h('input', { type: 'checkbox', checked: true, value: String(c.orderItemId), testid: 'reg-merge-check' }));
      const go = button(t('reg.merge.submit'), { variant: 'primary', class: 'btn btn-primary btn-sm', testid: 'reg-merge-submit' });
      go.addEventListener('click', async () => {
        const ids = [s.itemId, ...boxes.filter((b) => b.checked).map((b) => Number(b.value))];
        alert.hidden = true;
        if (ids.length < 2) {
          alert.textContent = t('reg.merge.pickOne');
          alert.hidden = false;
          return;
        }
        if (!queueSelect.value || go.classList.contains('is-busy')) return;
        go.classList.add('is-busy');
        go.disabled = true;
        try {
          /** @type {{items: SchedAppointment[]}} */
          const answer = await ctx.api.post('/api/scheduling/appointments/together', { orderItemIds: ids, queueId: Number(queueSelect.value), from: today(), days: 30, channel: 'desk' });
          const first = answer.items[0];
          toast(t('reg.done.merged', { n: answer.items.length, when: first ? `${dateWithWeekday(first.date, lang)} ${first.startTime}` : '' }), 'success');
          modal.close();
          refresh();
          showBooked(
            answer.items.map((a) => {
              const c = candidates.find((x) => x.orderItemId === a.orderItemId);
              return { ...s, itemId: a.orderItemId, itemCode: c ? '' : s.itemCode, itemName: c ? c.itemName : s.itemName, modality: c ? c.modality : s.modality, orderNo: c ? c.orderNo : s.orderNo, appointment: a, queueName: queueName(a.queueId) };
            }),
          );
        } catch (error) {
          alert.textContent = errorText(error);
          alert.hidden = false;
        } finally {
          go.classList.remove('is-busy');
          go.disabled = false;
        }
      });
      replace(
        mergeBox,
        h('p', { class: 'reg-merge-text', testid: 'reg-merge-text' }, mergeText(candidates, t)),
        h(
          'div',
          { class: 'reg-merge-items' },
          candidates.map((c, i) =>
            h(
              'label',
              { class: 'reg-merge-item', testid: 'reg-merge-item', dataset: { itemId: String(c.orderItemId) }, title: c.reason },
              boxes[i],
              h('span', { class: 'strong' }, `${c.itemName}（${c.modality}）`),
              h('span', { class: 'muted mono' }, c.orderNo),
              h('span', { class: 'muted' }, c.reason),
            ),
          ),
        ),
        h('div', { class: 'reg-merge-foot' }, h('span', { class: 'field-hint' }, t('reg.merge.hint')), go),
      );
      mergeBox.hidden = false;
    };
    if (!moving) {
      ctx.api
        .get(`/api/scheduling/order-items/${s.itemId}/merge-candidates`, undefined, ctx.signal)
        .then((/** @type {{items: MergeCandidate[]}} */ a) => showMerge(a.items || []))
        .catch(() => {});
    }

    /** @param {SchedOption | null} option */
    const choose = (option) => {
      chosen = option;
      idempotencyKey = newIdempotencyKey();
      submit.disabled = !option;
      chosenText.textContent = option ? t('reg.book.chosen', { when: `${dateWithWeekday(option.date, lang)} ${optionText(option, t)}` }) : t('reg.book.nothingChosen');
      const key = option ? option.parts.map((p) => p.slotId).join(',') : '';
      for (const el of optionsBox.querySelectorAll('[data-parts]')) el.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (el).dataset.parts === key));
      for (const el of grid.querySelectorAll('[data-slot-id]')) el.setAttribute('aria-pressed', String(/** @type {HTMLElement} */ (el).dataset.slotId === key));
    };

    async function loadOptions() {
      const mine = ++optionsSeq;
      replace(optionsBox, h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')));
      if (!queueSelect.value) {
        replace(optionsBox, h('p', { class: 'muted', testid: 'reg-no-queue' }, t('reg.book.noQueue', { modality: s.modality })));
        return;
      }
      try {
        /** @type {{items: SchedOption[]}} */
        const answer = await ctx.api.get(`/api/scheduling/queues/${queueSelect.value}/next-available`, { orderItemId: s.itemId, from: today(), days: 30, limit: 6 }, ctx.signal);
        if (mine !== optionsSeq) return;
        if (answer.items.length === 0) {
          replace(optionsBox, h('p', { class: 'muted', testid: 'reg-no-options' }, t('reg.book.noOptions')));
          return;
        }
        replace(
          optionsBox,
          answer.items.map((o) =>
            h(
              'button',
              {
                type: 'button',
                class: ['reg-option', o.parts.length > 1 ? 'reg-option-multi' : ''],
                testid: 'reg-option',
                dataset: { parts: o.parts.map((p) => p.slotId).join(','), date: o.date, start: o.startTime },
                'aria-pressed': 'false',
                onclick: () => choose(o),
              },
              h('span', { class: 'reg-option-date' }, dateWithWeekday(o.date, lang)),
              h('span', { class: 'reg-option-time', testid: 'reg-option-time' }, optionText(o, t)),
              h('span', { class: 'reg-option-free' }, t('reg.book.free', { n: o.free })),
            ),
          ),
        );
      } catch (error) {
        if (mine === optionsSeq) replace(optionsBox, h('p', { class: 'field-error' }, errorText(error)));
      }
    }

    async function loadGrid() {
      const mine = ++gridSeq;
      replace(grid, h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')));
      if (!queueSelect.value) {
        replace(grid);
        return;
      }
      try {
        /** @type {{items: SchedSlotView[]}} */
        const answer = await ctx.api.get(`/api/scheduling/queues/${queueSelect.value}/slots`, { from: gridDate, to: gridDate, orderItemId: s.itemId }, ctx.signal);
        if (mine !== gridSeq) return;
        if (answer.items.length === 0) {
          replace(grid, h('p', { class: 'muted', testid: 'reg-grid-empty' }, t('reg.book.noSlots')));
          return;
        }
        const key = chosen ? chosen.parts.map((p) => p.slotId).join(',') : '';
        replace(
          grid,
          answer.items.map((view) => {
            const c = slotCell(view);
            return h(
              'button',
              {
                type: 'button',
                class: ['reg-slot', c.bookable ? 'reg-slot-open' : 'reg-slot-closed', c.full ? 'reg-slot-full' : ''],
                testid: 'reg-slot',
                dataset: { slotId: String(c.id), start: view.slot.startTime },
                'aria-pressed': String(key === String(c.id)),
                'aria-disabled': c.bookable ? undefined : 'true',
                title: c.reason || t('reg.book.slotFree', { n: c.free }),
                onclick: () => {
                  if (c.bookable) choose(optionFromSlot(view, s.units));
                },
              },
              h('span', { class: 'reg-slot-time' }, c.time),
              h('span', { class: 'reg-slot-usage', testid: 'reg-slot-usage' }, t('reg.book.usage', { used: view.slot.used, capacity: view.slot.capacity })),
              c.reason ? h('span', { class: 'reg-slot-reason', testid: 'reg-slot-reason' }, c.reason) : null,
            );
          }),
        );
      } catch (error) {
        if (mine === gridSeq) replace(grid, h('p', { class: 'field-error' }, errorText(error)));
      }
    }

    const reload = async () => {
      choose(null);
      await loadOptions();
      await loadGrid();
    };
    queueSelect.addEventListener('change', reload);
    dateInput.addEventListener('change', () => {
      if (!dateInput.value) return;
      gridDate = dateInput.value;
      loadGrid();
    });
    /** @param {number} days */
    const shift = (days) => {
      gridDate = addDays(gridDate, days);
      dateInput.value = gridDate;
      loadGrid();
    };

    const who = patientName(s.patientName);
    const modal = openModal({
      title: moving ? t('reg.book.titleMove') : t('reg.book.title'),
      size: 'xl',
      testid: 'reg-book-dialog',
      initialFocus: queueSelect,
      body: h(
        'div',
        { class: 'reg-book' },
        alert,
        h(
          'div',
          { class: 'reg-book-subject' },
          h('strong', null, who.main),
          h('span', null, [sexText(s.sex, t), patientAge(s.birthDate, today(), lang)].filter(Boolean).join(' · ')),
          h('span', { class: 'mono' }, s.patientId),
          h('span', { class: 'reg-book-item' }, `${s.itemName}（${s.modality}）`),
          s.units > 1 ? badge(t('reg.units', { n: s.units }), 'orange') : null,
          moving ? h('span', { class: 'muted' }, t('reg.book.movingFrom', { when: `${dateWithWeekday(moving.date, lang)} ${moving.startTime}`, queue: s.queueName })) : null,
        ),
        mergeBox,
        h('div', { class: 'reg-book-row' }, field({ label: t('reg.book.queue'), name: 'queue', control: queueSelect }), field({ label: t('reg.book.doctor'), name: 'performingDoctor', control: doctor, hint: moving ? t('reg.book.doctorFixed') : null })),
        h('h3', { class: 'reg-subtitle' }, t('reg.book.next')),
        optionsBox,
        h(
          'div',
          { class: 'reg-grid-head' },
          h('h3', { class: 'reg-subtitle' }, t('reg.book.grid')),
          h(
            'div',
            { class: 'reg-date-nav' },
            button(t('reg.day.prev'), { icon: 'chevronLeft', class: 'btn btn-default btn-sm', onclick: () => shift(-1), testid: 'reg-grid-prev' }),
            dateInput,
            button(t('reg.day.next'), { class: 'btn btn-default btn-sm', onclick: () => shift(1), testid: 'reg-grid-next' }),
          ),
        ),
        grid,
      ),
      footer: h('div', { class: 'modal-footer-inner' }, h('div', { class: 'footer-extra' }, chosenText), h('div', { class: 'footer-buttons' }, cancelBtn, submit)),
    });
    cancelBtn.addEventListener('click', modal.close);
    submit.addEventListener('click', async () => {
      if (!chosen || submit.classList.contains('is-busy')) return;
      const option = chosen;
      const key = idempotencyKey;
      alert.hidden = true;
      submit.classList.add('is-busy');
      submit.disabled = true;
      try {
        /** @type {SchedAppointment} */
        let booked;
        if (moving) {
          booked = await ctx.api.post(`/api/scheduling/appointments/${moving.id}/reschedule`, { parts: option.parts });
          toast(t('reg.done.moved', { when: `${dateWithWeekday(option.date, lang)} ${option.startTime}` }), 'success');
        } else {
          /** @type {Record<string, unknown>} */
          const body = { orderItemId: s.itemId, parts: option.parts, channel: 'desk', idempotencyKey: key };
          if (doctor.value.trim()) body.performingDoctor = doctor.value.trim();
          booked = await ctx.api.post('/api/scheduling/appointments', body);
          toast(t('reg.done.booked', { when: `${dateWithWeekday(option.date, lang)} ${option.startTime}` }), 'success');
        }
        modal.close();
        refresh();
        showBooked([{ ...s, appointment: booked, queueName: queueName(booked?.queueId) }]);
      } catch (error) {
        alert.textContent = errorText(error);
        alert.hidden = false;
        // The slot filled meanwhile or the rules changed: show the day as it is now.
        if (error instanceof ApiError && error.status === 409) {
          await loadOptions();
          await loadGrid();
        }
      } finally {
        submit.classList.remove('is-busy');
        submit.disabled = !chosen;
      }
    });
    await loadOptions();
    await loadGrid();
  }

  /**
   * The name of a queue (from the list the desk has loaded).
   * @param {number | undefined} id
   */
  function queueName(id) {
    return queueNames.get(Number(id)) || '';
  }
  /** @type {Map<number, string>} */
  const queueNames = new Map();
  loadQueues()
    .then((qs) => {
      for (const q of qs) queueNames.set(q.id, q.name);
    })
    .catch(() => {});

  /**
   * After booking: the department's preparation notes for the patient (the appointment's `preparations`), with 打印预约单.
   * Nothing to say without notes (the toast has said it).
   * @param {Subject[]} subjects the booked items (one, or the items booked together)
   */
  function showBooked(subjects) {
    const notes = slipPreparations(subjects.flatMap((x) => x.appointment?.preparations || []), '');
    if (!notes.length) return;
    const ok = button(t('reg.checkedIn.done'), { variant: 'primary', testid: 'reg-booked-done' });
    const prints = subjects.map((x) => button(subjects.length > 1 ? t('reg.booked.printItem', { item: x.itemName }) : t('reg.action.printSlip'), { testid: 'reg-booked-print' }));
    const modal = openModal({
      title: t('reg.booked.title'),
      size: 'md',
      testid: 'reg-booked',
      initialFocus: ok,
      body: h(
        'div',
        { class: 'reg-booked' },
        subjects.map((x) =>
          h(
            'p',
            { class: 'reg-booked-when', testid: 'reg-booked-when' },
            h('strong', null, x.itemName),
            ` · ${x.appointment ? `${dateWithWeekday(x.appointment.date, lang)} ${slipTime(x.appointment)}` : ''}`,
            x.queueName ? ` · ${x.queueName}` : '',
          ),
        ),
        h('div', { class: 'reg-slip-prep-title' }, t('reg.booked.prep')),
        h('ul', { class: 'reg-booked-prep', testid: 'reg-booked-prep' }, notes.map((n) => h('li', null, n))),
        h('p', { class: 'muted' }, t('reg.booked.tell')),
      ),
      footer: h('div', { class: 'footer-buttons' }, prints, ok),
    });
    ok.addEventListener('click', modal.close);
    prints.forEach((b, i) =>
      b.addEventListener('click', () => {
        modal.close();
        openPrint('slip', subjects[i]);
      }),
    );
  }

  // ------------------------------------------------------------ printing

  /**
   * @param {'slip' | 'label'} kind
   * @param {Subject} s
   */
  function openPrint(kind, s) {
    // 注意事项: the department's notes (preparation rules) first, then the desk's default for the exam; editable.
    const notes = slipPreparations(s.appointment?.preparations, preparationFor({ itemCode: s.itemCode, modality: s.modality }));
    const prep = h('textarea', { class: 'input', rows: String(Math.max(3, notes.length + 1)), maxlength: '600', testid: 'reg-prep' }, notes.join('\n'));
    const holder = h('div', { class: `reg-print-preview reg-print-preview-${kind}`, testid: 'reg-print-preview' });
    const draw = () => replace(holder, kind === 'slip' ? slipDocument(s, prep.value.trim()) : labelDocument(s));
    draw();
    prep.addEventListener('input', draw);
    const printBtn = button(t('reg.print.print'), { variant: 'primary', testid: 'reg-print-go' });
    const closeBtn = button(t('common.close'), { testid: 'reg-print-close' });
    const modal = openModal({
      title: kind === 'slip' ? t('reg.print.slipTitle') : t('reg.print.labelTitle'),
      size: kind === 'slip' ? 'lg' : 'md',
      testid: 'reg-print-dialog',
      initialFocus: printBtn,
      body: h('div', { class: 'reg-print-body' }, holder, kind === 'slip' ? field({ label: t('reg.print.prep'), name: 'prep', control: prep, hint: t('reg.print.prepHint') }) : null),
      footer: h('div', { class: 'footer-buttons' }, closeBtn, printBtn),
    });
    closeBtn.addEventListener('click', modal.close);
    printBtn.addEventListener('click', () => printNow(/** @type {HTMLElement} */ (holder.firstElementChild)));
  }

  /** @param {Subject} s @param {string} prep */
  function slipDocument(s, prep) {
    const a = s.appointment;
    const who = patientName(s.patientName);
    const hospital = ctx.me.institutionName || t('reg.print.hospital');
    /** @param {string} label @param {Child} value @param {string} [testid] */
    const row = (label, value, testid) => h('div', { class: 'reg-slip-row' }, h('span', { class: 'reg-slip-label' }, label), h('span', { class: 'reg-slip-value', testid }, value));
    const code = labelCode({ accessionNumber: a?.accessionNumber }, s.orderNo);
    return h(
      'div',
      { class: 'reg-doc reg-slip', testid: 'reg-slip' },
      h('div', { class: 'reg-slip-head' }, h('div', { class: 'reg-slip-hospital' }, hospital), h('div', { class: 'reg-slip-title' }, t('reg.print.slipHeading'))),
      h('div', { class: 'reg-slip-code' }, h('div', { class: 'reg-slip-bars' }, code128Element(document, code.code, { height: 40 })), h('div', { class: 'reg-slip-code-text' }, code.code)),
      h(
        'div',
        { class: 'reg-slip-grid' },
        row(t('reg.field.name'), who.main + (who.alt ? `（${who.alt}）` : ''), 'reg-slip-name'),
        row(t('reg.field.sexAge'), [sexText(s.sex, t), patientAge(s.birthDate, today(), lang)].filter(Boolean).join(' / ')),
        row(t('reg.field.patientId'), s.patientId),
        row(t('reg.field.orderNo'), s.orderNo, 'reg-slip-order'),
        row(t('reg.field.source'), sourceText(s.source, t)),
        s.department ? row(t('reg.field.department'), s.department) : null,
        row(t('reg.field.item'), `${s.itemName}（${s.modality}）`, 'reg-slip-item'),
        row(t('reg.field.queue'), s.queueName, 'reg-slip-queue'),
        a ? row(t('reg.field.date'), dateWithWeekday(a.date, lang), 'reg-slip-date') : null,
        a ? row(t('reg.field.time'), slipTime(a), 'reg-slip-time') : null,
        a?.accessionNumber ? row(t('reg.accession'), a.accessionNumber, 'reg-slip-accession') : null,
        a?.performingDoctor ? row(t('reg.field.performingDoctor'), a.performingDoctor) : null,
      ),
      prep
        ? h(
            'div',
            { class: 'reg-slip-prep', testid: 'reg-slip-prep' },
            h('div', { class: 'reg-slip-prep-title' }, t('reg.print.prep')),
            prep
              .split('\n')
              .map((line) => line.trim())
              .filter(Boolean)
              .map((line) => h('p', { testid: 'reg-slip-prep-line' }, line)),
          )
        : null,
      h('div', { class: 'reg-slip-foot' }, h('p', null, t('reg.print.arrive')), h('p', { class: 'reg-slip-printed' }, t('reg.print.printedAt', { when: nowText() }))),
    );
  }

  /** @param {SchedAppointment} a */
  function slipTime(a) {
    const slots = a.slots || [];
    return slots.length > 1 ? t('reg.print.timeMulti', { start: a.startTime, n: slots.length }) : a.startTime;
  }

  /** @param {Subject} s */
  function labelDocument(s) {
    const a = s.appointment;
    const who = patientName(s.patientName);
    const code = labelCode({ accessionNumber: a?.accessionNumber }, s.orderNo);
    return h(
      'div',
      { class: 'reg-doc reg-label', testid: 'reg-label', dataset: { code: code.code } },
      h(
        'div',
        { class: 'reg-label-head' },
        h('strong', { class: 'reg-label-name' }, who.main),
        h('span', null, [sexText(s.sex, t), patientAge(s.birthDate, today(), lang)].filter(Boolean).join(' ')),
        h('span', { class: 'reg-label-modality' }, s.modality),
      ),
      h('div', { class: 'reg-label-item' }, s.itemName),
      h('div', { class: 'reg-label-bars', testid: 'reg-label-barcode' }, code128Element(document, code.code, { height: 34 })),
      h('div', { class: 'reg-label-code', testid: 'reg-label-code' }, code.code),
      h('div', { class: 'reg-label-foot' }, code.kind === 'accession' ? t('reg.accession') : t('reg.field.orderNo'), a ? ` · ${a.date} ${a.startTime}` : '', s.queueName ? ` · ${s.queueName}` : ''),
    );
  }

  /** @param {HTMLElement} doc */
  function printNow(doc) {
    let root = document.getElementById('reg-print-root');
    if (!root) {
      root = h('div', { id: 'reg-print-root', testid: 'reg-print-root' });
      document.body.append(root);
    }
    replace(root, /** @type {HTMLElement} */ (doc.cloneNode(true)));
    document.body.classList.add('reg-printing');
    const done = () => {
      document.body.classList.remove('reg-printing');
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }

  // ------------------------------------------------------------ new orders and placeholders

  /**
   * @param {boolean} placeholder
   * @param {(order: SchedOrder) => void} onCreated
   */
  function openOrderForm(placeholder, onCreated) {
    const input = (/** @type {string} */ name, /** @type {Record<string, any>} */ props = {}) =>
      h('input', { class: 'input', name, autocomplete: 'off', testid: `reg-f-${name}`, ...props });
    const f = {
      patientId: input('patientId', { maxlength: '64', disabled: placeholder, placeholder: placeholder ? t('reg.form.patientIdLater') : '' }),
      name: input('name', { maxlength: '64', placeholder: t('reg.form.namePlaceholder') }),
      sex: select(SEXES.map((x) => ({ value: x, label: t(SEX_KEYS[x]) })), '', { name: 'sex', testid: 'reg-f-sex' }, t('reg.choose')),
      birthDate: input('birthDate', { type: 'date', max: today() }),
      idCard: input('idCard', { maxlength: '18', placeholder: t('reg.form.idCardPlaceholder') }),
      phone: input('phone', { maxlength: '20', inputmode: 'tel' }),
      cardNo: input('cardNo', { maxlength: '64', placeholder: t('reg.form.cardNoPlaceholder') }),
      source: select(SOURCES.map((x) => ({ value: x, label: t(SOURCE_KEYS[x]) })), placeholder ? 'outpatient' : 'outpatient', { name: 'source', testid: 'reg-f-source' }),
      department: input('department', { maxlength: '64', placeholder: t('reg.form.departmentPlaceholder') }),
      requestingDoctor: input('requestingDoctor', { maxlength: '64' }),
      priority: select(PRIORITIES.map((x) => ({ value: x, label: t(PRIORITY_KEYS[x]) })), 'routine', { name: 'priority', testid: 'reg-f-priority' }),
      diagnosis: h('textarea', { class: 'input', name: 'diagnosis', rows: '2', maxlength: '200', testid: 'reg-f-diagnosis' }),
    };
    // An ID card number carries the birth date and sex: fill them in when the desk has not.
    f.idCard.addEventListener('change', () => {
      const birth = birthDateFromIdCard(f.idCard.value);
      if (birth && !f.birthDate.value) f.birthDate.value = birthDateText(birth);
      const sex = sexFromIdCard(f.idCard.value);
      if (sex && !f.sex.value) f.sex.value = sex;
    });
    const itemsBox = h('div', { class: 'reg-items', testid: 'reg-f-items' });
    /** @type {{code: HTMLInputElement, name: HTMLInputElement, modality: HTMLSelectElement, units: HTMLInputElement, row: HTMLElement}[]} */
    let rows = [];
    const modalities = catalogModalities();
    const renumber = () => {
      rows.forEach((r, i) => {
        for (const [el, key] of /** @type {const} */ ([[r.code, 'itemCode'], [r.name, 'itemName'], [r.modality, 'modality'], [r.units, 'units']])) {
          const wrap = /** @type {HTMLElement} */ (el.closest('.field'));
          wrap.dataset.field = `items[${i}].${key}`;
          const err = wrap.querySelector('.field-error');
          err?.setAttribute('data-testid', `error-items[${i}].${key}`);
        }
        r.row.dataset.index = String(i);
      });
    };
    const addItem = () => {
      const modality = select(modalities.map((m) => ({ value: m, label: m })), 'CT', { testid: 'reg-f-item-modality' });
      const pick = h('select', { class: 'input', testid: 'reg-f-item-pick', 'aria-label': t('reg.form.pick') });
      const code = /** @type {HTMLInputElement} */ (input('itemCode', { maxlength: '32', testid: 'reg-f-item-code' }));
      const name = /** @type {HTMLInputElement} */ (input('itemName', { maxlength: '64', testid: 'reg-f-item-name' }));
      const units = /** @type {HTMLInputElement} */ (input('units', { type: 'number', min: '1', max: '20', value: '1', testid: 'reg-f-item-units', class: 'input input-narrow' }));
      const fillPick = () => {
        replace(
          pick,
          h('option', { value: '' }, t('reg.form.pickPlaceholder')),
          ITEM_CATALOG.filter((c) => c.modality === modality.value).map((c) => h('option', { value: c.code }, c.name)),
        );
      };
      fillPick();
      modality.addEventListener('change', () => {
        fillPick();
        code.value = '';
        name.value = '';
      });
      pick.addEventListener('change', () => {
        const c = ITEM_CATALOG.find((x) => x.code === pick.value);
        if (!c) return;
        code.value = c.code;
        name.value = c.name;
        units.value = String(c.units);
      });
      const remove = h('button', { type: 'button', class: 'icon-btn', title: t('reg.form.removeItem'), 'aria-label': t('reg.form.removeItem'), testid: 'reg-f-item-remove' }, '×');
      const row = h(
        'div',
        { class: 'reg-item-row', testid: 'reg-f-item' },
        field({ label: t('reg.field.modality'), name: 'modality', control: modality }),
        field({ label: t('reg.form.pick'), name: 'pick', control: pick }),
        field({ label: t('reg.field.itemCode'), name: 'itemCode', control: code, required: true }),
        field({ label: t('reg.field.itemName'), name: 'itemName', control: name, required: true }),
        field({ label: t('reg.field.units'), name: 'units', control: units }),
        remove,
      );
      const entry = { code, name, modality, units, row };
      remove.addEventListener('click', () => {
        if (rows.length <= 1) return;
        rows = rows.filter((r) => r !== entry);
        row.remove();
        renumber();
      });
      rows.push(entry);
      itemsBox.append(row);
      renumber();
    };
    addItem();
    const itemsField = h('div', { class: 'field field-wide', dataset: { field: 'items' } }, h('div', { class: 'field-error', testid: 'error-items', hidden: true }));
    const scans = scanChooser();

    formModal({
      title: placeholder ? t('reg.form.titlePlaceholder') : t('reg.form.title'),
      size: 'xl',
      testid: 'reg-order-dialog',
      submitText: t('reg.form.submit'),
      body: h(
        'div',
        { class: 'reg-order-form' },
        placeholder ? h('p', { class: 'notice', testid: 'reg-placeholder-note' }, t('reg.form.placeholderNote')) : null,
        h('h3', { class: 'reg-subtitle' }, t('reg.form.patient')),
        h(
          'div',
          { class: 'reg-form-grid' },
          field({ label: t('reg.field.patientId'), name: 'patient.patientId', control: f.patientId, required: !placeholder }),
          field({ label: t('reg.field.name'), name: 'patient.name', control: f.name, required: true }),
          field({ label: t('reg.field.sex'), name: 'patient.sex', control: f.sex }),
          field({ label: t('reg.field.birthDate'), name: 'patient.birthDate', control: f.birthDate }),
          field({ label: t('reg.field.idCard'), name: 'patient.idCard', control: f.idCard }),
          field({ label: t('reg.field.phone'), name: 'patient.phone', control: f.phone }),
          field({ label: t('reg.field.cardNo'), name: 'patient.cardNo', control: f.cardNo }),
        ),
        h('h3', { class: 'reg-subtitle' }, t('reg.form.order')),
        h(
          'div',
          { class: 'reg-form-grid' },
          field({ label: t('reg.field.source'), name: 'source', control: f.source, required: true }),
          field({ label: t('reg.field.department'), name: 'department', control: f.department }),
          field({ label: t('reg.field.requestingDoctor'), name: 'requestingDoctor', control: f.requestingDoctor }),
          field({ label: t('reg.field.priority'), name: 'priority', control: f.priority }),
          field({ label: t('reg.field.diagnosis'), name: 'diagnosis', control: f.diagnosis, wide: true }),
        ),
        h('h3', { class: 'reg-subtitle' }, t('reg.form.items')),
        itemsBox,
        itemsField,
        button(t('reg.form.addItem'), { icon: 'plus', testid: 'reg-f-add-item', onclick: addItem }),
        h('h3', { class: 'reg-subtitle' }, t('reg.scan.formTitle')),
        scans.el,
      ),
      onClose: () => scans.dispose(),
      onSubmit: async (form) => {
        const { body, problems } = checkOrderForm(
          {
            placeholder,
            patientId: f.patientId.value,
            name: f.name.value,
            sex: f.sex.value,
            birthDate: f.birthDate.value,
            idCard: f.idCard.value,
            phone: f.phone.value,
            cardNo: f.cardNo.value,
            source: f.source.value,
            department: f.department.value,
            requestingDoctor: f.requestingDoctor.value,
            priority: f.priority.value,
            diagnosis: f.diagnosis.value,
            items: rows.map((r) => ({ itemCode: r.code.value, itemName: r.name.value, modality: r.modality.value, units: r.units.value })),
          },
          today(),
        );
        if (!body) {
          showProblems(form, problems);
          return false;
        }
        /** @type {SchedOrder} */
        const order = await ctx.api.post('/api/scheduling/orders', body);
        // The pictures go up once the order exists; a refusal leaves the order saved and opens its scans to retry.
        const pictures = scans.files();
        if (pictures.length) {
          try {
            await uploadScans(ctx, order.id, pictures, (pct, loaded, total) => scans.progress.show(pct, loaded, total, pictures.length));
          } catch (error) {
            onCreated(order);
            openScansDialog(ctx, order, { intro: t('reg.scan.afterCreate', { orderNo: order.orderNo }), error: uploadErrorText(error), onChange: () => onCreated(order) });
            return;
          }
        }
        toast(pictures.length ? t('reg.scan.orderCreatedWithScans', { orderNo: order.orderNo, n: pictures.length }) : t('reg.done.orderCreated', { orderNo: order.orderNo }), 'success');
        onCreated(order);
      },
    });
  }

  /**
   * 补全患者信息 of a placeholder order.
   * @param {SchedOrder} order
   * @param {() => void} refresh
   */
  function openComplete(order, refresh) {
    const input = (/** @type {string} */ name, /** @type {Record<string, any>} */ props = {}) =>
      h('input', { class: 'input', name, autocomplete: 'off', testid: `reg-c-${name}`, ...props });
    const f = {
      patientId: input('patientId', { maxlength: '64' }),
      name: input('name', { maxlength: '64', value: patientName(order.patient.name).main }),
      sex: select(SEXES.map((x) => ({ value: x, label: t(SEX_KEYS[x]) })), order.patient.sex || '', { testid: 'reg-c-sex' }, t('reg.choose')),
      birthDate: input('birthDate', { type: 'date', max: today(), value: birthDateText(order.patient.birthDate) }),
      idCard: input('idCard', { maxlength: '18' }),
      phone: input('phone', { maxlength: '20', value: order.patient.phone || '' }),
      cardNo: input('cardNo', { maxlength: '64' }),
    };
    formModal({
      title: t('reg.complete.title'),
      size: 'lg',
      testid: 'reg-complete-dialog',
      submitText: t('reg.complete.submit'),
      body: h(
        'div',
        null,
        h('p', { class: 'dialog-intro' }, t('reg.complete.intro', { orderNo: order.orderNo })),
        h(
          'div',
          { class: 'reg-form-grid' },
          field({ label: t('reg.field.patientId'), name: 'patient.patientId', control: f.patientId, required: true }),
          field({ label: t('reg.field.name'), name: 'patient.name', control: f.name, required: true }),
          field({ label: t('reg.field.sex'), name: 'patient.sex', control: f.sex }),
          field({ label: t('reg.field.birthDate'), name: 'patient.birthDate', control: f.birthDate }),
          field({ label: t('reg.field.idCard'), name: 'patient.idCard', control: f.idCard }),
          field({ label: t('reg.field.phone'), name: 'patient.phone', control: f.phone }),
          field({ label: t('reg.field.cardNo'), name: 'patient.cardNo', control: f.cardNo }),
        ),
      ),
      onSubmit: async (form) => {
        const { body, problems } = checkCompleteForm(
          { patientId: f.patientId.value, name: f.name.value, sex: f.sex.value, birthDate: f.birthDate.value, idCard: f.idCard.value, phone: f.phone.value, cardNo: f.cardNo.value },
          today(),
        );
        if (!body) {
          showProblems(form, problems);
          return false;
        }
        // The completion endpoint names its fields without the `patient.` prefix: place them under the same inputs.
        try {
          await ctx.api.post(`/api/scheduling/orders/${order.id}/complete`, body);
        } catch (error) {
          if (error instanceof ApiError) for (const fe of error.fields) if (!fe.field.startsWith('patient.')) fe.field = `patient.${fe.field}`;
          throw error;
        }
        toast(t('reg.done.completed'), 'success');
        refresh();
      },
    });
  }

  // ------------------------------------------------------------ tab: 患者查找

  function deskTab() {
    const search = h('input', {
      class: 'input input-lg reg-search',
      type: 'search',
      testid: 'reg-search',
      autocomplete: 'off',
      spellcheck: 'false',
      enterkeyhint: 'search',
      placeholder: t('reg.search.placeholder'),
      'aria-label': t('reg.search.label'),
      value: ctx.query.get('q') || '',
    });
    const results = h('div', { class: 'reg-results', testid: 'reg-results' });
    const summary = h('div', { class: 'reg-summary muted', testid: 'reg-summary', 'aria-live': 'polite' });
    let seq = 0;
    let lastQuery = '';

    /** @param {string} text */
    async function runSearch(text) {
      const q = text.trim();
      lastQuery = q;
      const mine = ++seq;
      if (!q) {
        replace(results, emptyState({ icon: 'search', title: t('reg.search.emptyTitle'), text: t('reg.search.emptyText'), testid: 'reg-search-hint' }));
        summary.textContent = '';
        return;
      }
      results.setAttribute('aria-busy', 'true');
      try {
        /** @type {{items: SchedOrder[], total: number}} */
        const answer = await ctx.api.get('/api/scheduling/orders', { q, pageSize: 50 }, ctx.signal);
        if (mine !== seq) return;
        summary.textContent = t('reg.search.summary', { q, n: answer.total });
        if (answer.items.length === 0) replace(results, emptyState({ icon: 'search', title: t('reg.search.none', { q }), text: t('reg.search.noneText'), testid: 'reg-no-results' }));
        else replace(results, answer.items.map((o) => orderCard(o)));
      } catch (error) {
        if (mine !== seq) return;
        replace(results, h('div', { class: 'table-state error', testid: 'reg-search-error' }, errorText(error)));
      } finally {
        if (mine === seq) results.removeAttribute('aria-busy');
      }
      // Ready for the next card: the reader's text replaces what is there.
      if (document.activeElement === search || document.activeElement === document.body) search.select();
    }
    const refresh = () => runSearch(lastQuery);

    // A card or barcode reader is a keyboard that types the number and presses Enter: search at once on Enter.
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        runSearch(search.value);
      }
    });

    /** @param {SchedOrder} order */
    function orderCard(order) {
      const p = order.patient;
      const who = patientName(p.name);
      const tbody = h('tbody');
      const card = h(
        'section',
        { class: 'card reg-order', testid: 'reg-order', dataset: { orderNo: order.orderNo, orderId: String(order.id) } },
        h(
          'div',
          { class: 'reg-order-head' },
          h(
            'div',
            { class: 'reg-patient' },
            h('span', { class: 'reg-patient-name', testid: 'reg-patient-name' }, who.main),
            who.alt ? h('span', { class: 'muted' }, who.alt) : null,
            h('span', null, [sexText(p.sex, t), patientAge(p.birthDate, today(), lang)].filter(Boolean).join(' · ')),
            order.placeholder ? badge(t('reg.placeholder'), 'orange', { testid: 'reg-placeholder-badge' }) : null,
            order.priority !== 'routine' ? badge(priorityText(order.priority, t), 'red') : null,
            p.blacklistedUntil ? badge(t('reg.blacklisted', { until: p.blacklistedUntil.slice(0, 10) }), 'red') : null,
          ),
          h(
            'div',
            { class: 'reg-order-actions' },
            order.placeholder ? button(t('reg.complete.title'), { variant: 'default', testid: 'reg-complete', onclick: () => openComplete(order, refresh) }) : null,
          ),
        ),
        h(
          'div',
          { class: 'reg-facts' },
          fact(t('reg.field.patientId'), order.placeholder ? t('reg.placeholderId') : p.patientId, 'reg-fact-patient-id'),
          p.cardNo ? fact(t('reg.field.cardNo'), p.cardNo) : null,
          p.idCard ? fact(t('reg.field.idCard'), p.idCard) : null,
          p.phone ? fact(t('reg.field.phone'), p.phone) : null,
          fact(t('reg.field.orderNo'), order.orderNo, 'reg-fact-order-no'),
          fact(t('reg.field.source'), sourceText(order.source, t)),
          order.department ? fact(t('reg.field.department'), order.department) : null,
          order.requestingDoctor ? fact(t('reg.field.requestingDoctor'), order.requestingDoctor) : null,
          order.diagnosis ? fact(t('reg.field.diagnosis'), order.diagnosis) : null,
        ),
        scanStrip(ctx, order),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table table-compact reg-items-table' },
            h('thead', null, h('tr', null, [t('reg.field.item'), t('reg.field.modality'), t('reg.field.status'), t('reg.field.appointment'), t('reg.accession'), t('common.actions')].map((x) => h('th', null, x)))),
            tbody,
          ),
        ),
      );
      for (const item of order.items) tbody.append(itemRow(order, item));
      return card;
    }

    /**
     * @param {SchedOrder} order
     * @param {SchedOrderItem} item
     */
    function itemRow(order, item) {
      const st = itemStatus(item.status);
      const appointmentCell = h('td', { testid: 'reg-item-appointment' });
      const actionsCell = h('td', { class: 'reg-actions' });
      /** @type {Subject} */
      const subject = {
        patientId: order.patient.patientId,
        patientName: order.patient.name,
        sex: order.patient.sex,
        birthDate: order.patient.birthDate,
        orderNo: order.orderNo,
        source: order.source,
        priority: order.priority,
        itemId: item.id,
        itemCode: item.itemCode,
        itemName: item.itemName,
        modality: item.modality,
        units: item.units,
        department: order.department,
        requestingDoctor: order.requestingDoctor,
        appointment: null,
        queueName: '',
      };
      const tr = h(
        'tr',
        { testid: 'reg-item', dataset: { itemId: String(item.id), status: item.status } },
        h('td', null, h('span', { class: 'strong', testid: 'reg-item-name' }, item.itemName), item.units > 1 ? h('span', { class: 'muted' }, ` ${t('reg.units', { n: item.units })}`) : null),
        h('td', null, item.modality),
        h('td', null, badge(t(st.key), st.tone, { testid: 'reg-item-status' })),
        appointmentCell,
        h('td', { class: 'mono', testid: 'reg-item-accession' }, item.accessionNumber || ''),
        actionsCell,
      );
      const bookButton = button(t('reg.action.book'), { class: 'btn btn-primary btn-sm', testid: 'reg-book', onclick: () => openBooking(subject, refresh) });
      const labelButton = button(t('reg.action.printLabel'), { variant: 'link', testid: 'reg-print-label', onclick: () => openPrint('label', subject) });
      replace(actionsCell, h('div', { class: 'row-actions' }, canBook(item.status) ? [bookButton, labelButton] : null));
      if (!canBook(item.status) || item.status === 'no-show') {
        appointmentCell.append(h('span', { class: 'muted' }, t('common.loading')));
        findAppointment(ctx.api, item, ctx.signal)
          .then(async (entry) => {
            if (!entry) {
              replace(appointmentCell, h('span', { class: 'muted' }, '—'));
              return;
            }
            subject.appointment = entry.appointment;
            subject.queueName = entry.queueName;
            replace(appointmentCell, appointmentSummary(entry.appointment, entry.queueName));
            if (canBook(item.status)) return; // 爽约: the old appointment is shown, a new one may be booked
            replace(actionsCell, h('div', { class: 'row-actions' }, actionButtons(subject, refresh)));
          })
          .catch((error) => {
            if (error && /** @type {any} */ (error).name === 'AbortError') return;
            replace(appointmentCell, h('span', { class: 'field-error' }, errorText(error)));
          });
      } else {
        appointmentCell.append(h('span', { class: 'muted' }, '—'));
      }
      return tr;
    }

    const body = h(
      'div',
      { class: 'reg-desk' },
      h(
        'form',
        {
          class: 'reg-search-bar',
          testid: 'reg-search-form',
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            runSearch(search.value);
          },
        },
        h('label', { class: 'reg-search-label' }, t('reg.search.label')),
        h('div', { class: 'reg-search-row' }, search, h('button', { type: 'submit', class: 'btn btn-primary btn-lg', testid: 'reg-search-go' }, t('common.query'))),
        h('div', { class: 'field-hint' }, t('reg.search.hint')),
      ),
      summary,
      results,
    );
    return {
      body,
      /** @param {SchedOrder} order */
      showOrder(order) {
        search.value = order.orderNo;
        runSearch(order.orderNo);
      },
      start() {
        search.focus();
        runSearch(search.value);
      },
    };
  }

  /**
   * @param {SchedAppointment} a
   * @param {string} queue
   */
  function appointmentSummary(a, queue) {
    const st = appointmentStatus(a.status);
    return h(
      'div',
      { class: 'reg-appt', dataset: { appointmentId: String(a.id), status: a.status } },
      h('span', { class: 'reg-appt-when', testid: 'reg-appt-when' }, `${dateWithWeekday(a.date, lang)} ${slipTime(a)}`),
      h('span', { class: 'muted' }, queue),
      badge(t(st.key), st.tone, { testid: 'reg-appt-status' }),
      a.performingDoctor ? h('span', { class: 'muted' }, t('reg.performing', { name: a.performingDoctor })) : null,
    );
  }

  /** @param {string} label @param {Child} value @param {string} [testid] */
  function fact(label, value, testid) {
    return h('span', { class: 'reg-fact' }, h('span', { class: 'reg-fact-label' }, label), h('span', { class: 'reg-fact-value', testid }, value));
  }

  // ------------------------------------------------------------ tab: 今日预约

  function dayTab() {
    let date = ctx.query.get('date') || today();
    const dateInput = h('input', { class: 'input input-date', type: 'date', value: date, testid: 'reg-day-date', 'aria-label': t('reg.day.date') });
    const queueSelect = select([], '', { testid: 'reg-day-queue', 'aria-label': t('reg.book.queue') }, t('reg.day.allQueues'));
    const statusSelect = select(APPOINTMENT_STATUSES.map((s) => ({ value: s, label: t(appointmentStatus(s).key) })), ctx.query.get('status') || '', { testid: 'reg-day-status', 'aria-label': t('reg.field.status') }, t('reg.day.allStatuses'));
    const dayLabel = h('span', { class: 'reg-day-label', testid: 'reg-day-label' }, dateWithWeekday(date, lang));
    loadQueues()
      .then((queues) => {
        for (const q of queues) queueSelect.append(h('option', { value: String(q.id), selected: ctx.query.get('queue') === String(q.id) }, q.name));
      })
      .catch(() => {});

    /** @type {ReturnType<typeof dataTable<SchedAppointmentEntry>>} */
    const table = dataTable({
      testid: 'reg-day-table',
      rowProps: (e) => ({ testid: 'reg-day-row', dataset: { appointmentId: String(e.appointment.id), status: e.appointment.status, patientId: e.patientId } }),
      empty: () => ({ title: t('reg.day.empty', { date: dateWithWeekday(date, lang) }) }),
      columns: [
        { title: t('reg.field.time'), className: 'nowrap', render: (e) => h('span', { class: 'strong' }, slipTime(e.appointment)) },
        { title: t('reg.field.queue'), className: 'nowrap', render: (e) => e.queueName },
        {
          title: t('reg.field.patient'),
          render: (e) => {
            const who = patientName(e.patientName);
            return h('div', { class: 'stack-cell' }, h('span', { class: 'strong', testid: 'reg-day-name' }, who.main), h('span', { class: 'muted mono' }, e.patientId));
          },
        },
        { title: t('reg.field.sexAge'), className: 'nowrap', render: (e) => [sexText(e.sex, t), patientAge(e.birthDate, today(), lang)].filter(Boolean).join(' · ') },
        { title: t('reg.field.item'), render: (e) => h('span', { testid: 'reg-day-item' }, e.itemName) },
        { title: t('reg.field.source'), className: 'nowrap', render: (e) => sourceText(e.source, t) },
        {
          title: t('reg.field.status'),
          className: 'nowrap',
          render: (e) => {
            const st = appointmentStatus(e.appointment.status);
            return badge(t(st.key), st.tone, { testid: 'reg-day-status-badge' });
          },
        },
        { title: t('reg.accession'), className: 'mono nowrap', render: (e) => h('span', { testid: 'reg-day-accession' }, e.appointment.accessionNumber || '') },
        { title: t('common.actions'), className: 'reg-actions', render: (e) => h('div', { class: 'row-actions' }, actionButtons(subjectOf(e), () => list.reload())) },
      ],
    });
    const pg = pager((p, size) => list.goTo(p, size));
    const list = pagedList({
      table,
      pager: pg,
      pageSize: 20,
      load: (page, pageSize) =>
        ctx.api.get('/api/scheduling/appointments', { date, queueId: queueSelect.value, status: statusSelect.value, page, pageSize }, ctx.signal),
    });
    const apply = () => {
      date = dateInput.value || today();
      dayLabel.textContent = dateWithWeekday(date, lang);
      /** @type {string[]} */
      const q = [];
      if (date !== today()) q.push(`date=${date}`);
      if (queueSelect.value) q.push(`queue=${queueSelect.value}`);
      if (statusSelect.value) q.push(`status=${statusSelect.value}`);
      ctx.replaceRoute(`/registration/day${q.length ? `?${q.join('&')}` : ''}`);
      list.search();
    };
    /** @param {number} days */
    const shift = (days) => {
      dateInput.value = addDays(dateInput.value || today(), days);
      apply();
    };
    dateInput.addEventListener('change', apply);
    queueSelect.addEventListener('change', apply);
    statusSelect.addEventListener('change', apply);
    const body = h(
      'div',
      { class: 'reg-day' },
      h(
        'div',
        { class: 'toolbar toolbar-wrap reg-day-toolbar' },
        h(
          'div',
          { class: 'toolbar-filters' },
          h('div', { class: 'reg-date-nav' }, button(t('reg.day.prev'), { icon: 'chevronLeft', class: 'btn btn-default btn-sm', testid: 'reg-day-prev', onclick: () => shift(-1) }), dateInput, button(t('reg.day.next'), { class: 'btn btn-default btn-sm', testid: 'reg-day-next', onclick: () => shift(1) }), button(t('reg.day.today'), { class: 'btn btn-default btn-sm', testid: 'reg-day-today', onclick: () => {
            dateInput.value = today();
            apply();
          } })),
          dayLabel,
          queueSelect,
          statusSelect,
        ),
        h('div', { class: 'toolbar-buttons' }, button(t('reg.day.refresh'), { icon: 'refresh', testid: 'reg-day-refresh', onclick: () => list.reload() })),
      ),
      table.el,
      pg.el,
    );
    return { body, start: () => list.search() };
  }

  /**
   * @param {SchedAppointmentEntry} e
   * @returns {Subject}
   */
  function subjectOf(e) {
    const known = ITEM_CATALOG.find((c) => c.name === e.itemName && c.modality === e.modality);
    return {
      patientId: e.patientId,
      patientName: e.patientName,
      sex: e.sex,
      birthDate: e.birthDate,
      orderNo: e.orderNo,
      source: e.source,
      priority: e.priority,
      itemId: e.appointment.orderItemId,
      itemCode: known?.code || '',
      itemName: e.itemName,
      modality: e.modality,
      units: e.appointment.slots.reduce((n, s) => n + s.units, 0) || 1,
      appointment: e.appointment,
      queueName: e.queueName,
    };
  }

  // ------------------------------------------------------------ page

  const tabBar = h(
    'nav',
    { class: 'tabs', 'aria-label': t('nav.registration'), testid: 'reg-tabs' },
    TABS.map((id) =>
      h('a', { class: ['tab', id === tab ? 'active' : ''], href: id === 'desk' ? '#/registration' : '#/registration/day', testid: `reg-tab-${id}`, 'aria-current': id === tab ? 'page' : undefined }, t(TAB_KEYS[id])),
    ),
  );
  const desk = tab === 'desk' ? deskTab() : null;
  const day = tab === 'day' ? dayTab() : null;
  /** @param {SchedOrder} order */
  const created = (order) => {
    if (desk) desk.showOrder(order);
    else ctx.navigate(`/registration?q=${encodeURIComponent(order.orderNo)}`);
  };
  const actions = h(
    'div',
    { class: 'header-buttons' },
    button(t('reg.form.title'), { variant: 'primary', icon: 'plus', testid: 'reg-new-order', onclick: () => openOrderForm(false, created) }),
    button(t('reg.form.titlePlaceholder'), { icon: 'clock', testid: 'reg-new-placeholder', onclick: () => openOrderForm(true, created) }),
  );
  replace(main, pageHeader(t('nav.registration'), t('reg.desc'), actions), tabBar, h('div', { class: 'card card-tabbed reg-panel', testid: `reg-panel-${tab}` }, desk ? desk.body : day ? day.body : null));
  desk?.start();
  day?.start();
}
