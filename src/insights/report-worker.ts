/**
 * The insights' report worker thread (run by `InsightsLog.report`): reads and sums the records
 * off the thread that serves sessions.
 */
import { type ReportTask, runReportTask } from './report-task.js';

export default function run(task: ReportTask): unknown {
  return runReportTask(task);
}
