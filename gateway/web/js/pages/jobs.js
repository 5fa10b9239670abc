// Admins: background jobs, dead ones first, with retry.

import { get, post } from '../api.js';
import { field, h, replace, select, time } from '../dom.js';
import { Pager, empty, errorBox, table } from '../widgets.js';

const PAGE_SIZE = 20;
const STATES = [['DEAD', 'Dead'], ['QUEUED', 'Queued'], ['RUNNING', 'Running'], ['SUCCEEDED', 'Succeeded'], ['CANCELLED', 'Cancelled'], ['', 'Any state']];

export function renderJobs(ctx) {
  const root = ctx.page('Dead jobs', 'Dead jobs');
  const intro = h('p', { className: 'muted', text: 'Jobs that failed every attempt. Retrying queues a job again; notifications stay exactly-once.' });
  const errors = errorBox();
  const results = h('div', { className: 'results' });
  const state = select(STATES, { className: 'input', name: 'state' });

  const retryButton = (job) => {
    const button = h('button', {
      type: 'button',
      className: 'button button-small',
      text: 'Retry',
      aria: { label: `Retry job #${job.id}` },
      onclick: async () => {
        errors.clear();
        button.disabled = true;
        try {
          await post(`/v1/jobs/${job.id}:retry`);
          ctx.announce(`Job #${job.id} queued again.`, 'success');
          await pager.go(pager.index);
        } catch (error) {
          errors.show(error);
          button.disabled = false;
        }
      },
    });
    return button;
  };

  const pager = new Pager(async (pageToken) => {
    errors.clear();
    try {
      const page = await get('/v1/jobs', { state: state.value, pageSize: PAGE_SIZE, pageToken });
      if (!ctx.isCurrent()) return undefined;
      const jobs = page.jobs || [];
      replace(results, jobs.length === 0 ? empty(state.value === 'DEAD' ? 'No dead jobs. Everything was delivered.' : 'No jobs match.')
        : table('Jobs', ['#', 'Type', 'State', 'Attempts', 'Last error', 'Updated', ''], jobs.map((job) => h('tr', { dataset: { jobId: job.id } },
          h('td', { className: 'num', text: `#${job.id}` }),
          h('td', {}, h('code', { text: job.type })),
          h('td', { text: job.state }),
          h('td', { className: 'num', text: `${job.attempts} of ${job.maxAttempts}` }),
          h('td', { className: 'change', text: job.lastError || '—' }),
          h('td', {}, time(job.updateTime)),
          h('td', {}, job.state === 'DEAD' ? retryButton(job) : null))), 'table-jobs'));
      return page.nextPageToken || '';
    } catch (error) {
      errors.show(error);
      return undefined;
    }
  }, 'Job pages');

  state.addEventListener('change', () => {
    root.querySelector('h1').textContent = state.value === 'DEAD' ? 'Dead jobs' : 'Jobs';
    pager.reset();
  });
  root.appendChild(h('section', { className: 'card', aria: { label: 'Jobs' } },
    intro,
    h('form', { className: 'filters', role: 'search', onsubmit: (event) => { event.preventDefault(); pager.reset(); } },
      field('State', state)),
    errors, results, pager.element));
  pager.reset();
}
