/** Building blocks of the dashboard's views. */
import type { ComponentChildren } from 'preact';

/** A titled section the header's links point at (`#id`). */
export function Section(props: { id: string; title: ComponentChildren; children: ComponentChildren }) {
  return (
    <section id={props.id} aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** A table with column headers, scrolling sideways in its own box on a narrow screen. */
export function Table(props: { columns: string[]; label?: string; children: ComponentChildren }) {
  return (
    <div class="scroll">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}
